import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';
import { session } from '../state/session.svelte.js';

/**
 * The typed REST client, generated from docs/openapi.json (`npm run openapi` regenerates
 * schema.d.ts). Every request carries the access token; a 401 on an authenticated route
 * refreshes the session once and retries, and a failed refresh signs the user out with the
 * "session ended" message.
 */
const auth: Middleware = {
  onRequest({ request }) {
    const token = session.accessToken;
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401 || new URL(request.url).pathname.startsWith('/api/auth/')) return response;
    if (!(await session.refresh())) {
      session.expire();
      return response;
    }
    const retry = new Request(request, { headers: new Headers(request.headers) });
    retry.headers.set('Authorization', `Bearer ${session.accessToken}`);
    return fetch(retry);
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin' });
api.use(auth);

/** The API's one error shape (`{message, errors?}`). */
export interface ApiError {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

export function apiError(response: Response, body: unknown): ApiError {
  const message = typeof body === 'object' && body && 'message' in body ? String((body).message) : response.statusText;
  const retry = Number(response.headers.get('Retry-After'));
  return { status: response.status, message, ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}) };
}

/** What a request that got no answer at all (offline, refused) says: its error's message. */
export function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * For routes of the live and alerts contract (docs/architecture.md) that the OpenAPI file of
 * this build does not describe yet: the same token and refresh handling, untyped JSON.
 */
export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<{ data?: T; error?: ApiError }> {
  const send = () =>
    fetch(path, {
      ...init,
      credentials: 'same-origin',
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        ...(session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {}),
      },
    });
  let response = await send();
  if (response.status === 401 && (await session.refresh())) response = await send();
  else if (response.status === 401) session.expire();
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  return response.ok ? { data: body as T } : { error: apiError(response, body) };
}
