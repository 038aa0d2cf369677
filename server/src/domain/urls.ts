/** A URL with its password masked, for printing and for status reports. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
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
