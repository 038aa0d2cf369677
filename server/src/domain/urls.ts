// libpq also takes a password in the query string (postgres://host/db?password=…).
const SECRET_PARAMETERS = ['password', 'sslpassword'];

/** A URL with its password masked, in the user-info part and in the query, for printing and status reports. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  for (const name of SECRET_PARAMETERS) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}

/** The user and password a URL carries (percent-decoded); undefined without a user. */
export function urlCredentials(url: string): { username: string; password: string } | undefined {
  const parsed = new URL(url);
  if (!parsed.username) return undefined;
  return { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/** A broker URL without the server's credentials: devices sign in with their own. */
export function deviceBrokerUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}
