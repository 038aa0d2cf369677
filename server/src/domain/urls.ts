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

/**
 * Where a service is, for an answer anyone may read (`GET /api/ready` is unauthenticated, for
 * load balancers): scheme, host and port only, no account name, path or query.
 */
export function serviceAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

/** Query parameters that may carry a credential: `access_token`, `token`, `password`, `secret`, `code`, `api_key`, … */
const CREDENTIAL_PARAMETER = /token|passw|secret|code|key|auth|sig/i;

/**
 * A request path as the log shows it: the value of every query parameter named like a
 * credential (`?access_token=…` from a client that puts its token in the URL) is masked, so no
 * token reaches a log line. The path itself is kept as sent.
 */
export function redactRequestUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  let masked = false;
  for (const name of new Set(params.keys())) {
    if (CREDENTIAL_PARAMETER.test(name)) {
      params.set(name, '***');
      masked = true;
    }
  }
  return masked ? `${url.slice(0, query)}?${params.toString()}` : url;
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
