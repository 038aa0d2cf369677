import { api, type ApiError, apiError } from '../api/client.js';
import { session } from '../state/session.svelte.js';
import { forgetThisDevice } from './push.service.js';

export type Step1 = { ok: true; mfaToken: string; enrolmentRequired: boolean } | { ok: false; error: ApiError };
export type Step2 = { ok: true; recoveryCodes?: string[] } | { ok: false; error: ApiError };

/** Sign-in actions: call the API, then update the session. Screens only render the outcome. */
export async function login(email: string, password: string): Promise<Step1> {
  const { data, error, response } = await api.POST('/api/auth/login', { body: { email, password } });
  if (!data) return { ok: false, error: apiError(response, error) };
  return { ok: true, mfaToken: data.mfaToken, enrolmentRequired: data.enrolmentRequired };
}

export async function verifyCode(mfaToken: string, code: string): Promise<Step2> {
  const { data, error, response } = await api.POST('/api/auth/mfa', { body: { mfaToken, code } });
  if (!data) return { ok: false, error: apiError(response, error) };
  await session.begin(data.accessToken, data.expiresIn);
  return { ok: true };
}

export async function startEnrolment(mfaToken: string) {
  const { data, error, response } = await api.POST('/api/auth/enrolment', { body: { mfaToken } });
  if (!data) return { ok: false as const, error: apiError(response, error) };
  return { ok: true as const, ...data };
}

/** Completes enrolment; the session starts only after the user has seen the recovery codes. */
export async function confirmEnrolment(
  mfaToken: string,
  code: string,
): Promise<{ ok: true; recoveryCodes: string[]; start(): Promise<void> } | { ok: false; error: ApiError }> {
  const { data, error, response } = await api.POST('/api/auth/enrolment/confirm', { body: { mfaToken, code } });
  if (!data) return { ok: false, error: apiError(response, error) };
  return { ok: true, recoveryCodes: data.recoveryCodes, start: () => session.begin(data.accessToken, data.expiresIn) };
}

export async function signOut(): Promise<void> {
  await forgetThisDevice();
  return session.signOut();
}
