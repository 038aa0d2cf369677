import type { DeviceKind } from '$domain/device-kinds';
import type { Role } from '$domain/roles';
import { api, type ApiError, apiError } from '../api/client.js';
import type { AuditEntry, AuditQuery } from '../domain/admin.js';

/**
 * The admin screens' actions: one API call each, answered as `{data}` or `{error}` for the screen
 * to show. The server checks the admin role on every route (and audits each change).
 */
export type Result<T> = { data: T; error?: undefined } | { data?: undefined; error: ApiError };

async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Result<T>> {
  const { data, error, response } = await request;
  return response.ok ? { data: data as T } : { error: apiError(response, error) };
}

// ---- Users ----
export const listUsers = () => call(api.GET('/api/admin/users'));
export const inviteUser = (body: { email: string; name: string; role: Role; teamId?: string }) => call(api.POST('/api/admin/users', { body }));
export const changeRole = (id: string, role: Role) => call(api.PATCH('/api/admin/users/{id}', { params: { path: { id } }, body: { role } }));
export const resetMfa = (id: string) => call(api.POST('/api/admin/users/{id}/reset-mfa', { params: { path: { id } } }));
export const unlockUser = (id: string) => call(api.POST('/api/admin/users/{id}/unlock', { params: { path: { id } } }));

// ---- Teams ----
export const listTeams = () => call(api.GET('/api/admin/teams'));
export const createTeam = (name: string) => call(api.POST('/api/admin/teams', { body: { name } }));
export const addMember = (teamId: string, userId: string) =>
  call(api.POST('/api/admin/teams/{id}/members', { params: { path: { id: teamId } }, body: { userId } }));
export const removeMember = (teamId: string, userId: string) =>
  call(api.DELETE('/api/admin/teams/{id}/members/{userId}', { params: { path: { id: teamId, userId } } }));

/** Moves a user to another team: joins the new one first, so they never lose sight of every patient at once. */
export async function moveToTeam(userId: string, from: readonly string[], to: string): Promise<Result<void>> {
  if (!from.includes(to)) {
    const added = await addMember(to, userId);
    if (added.error) return added;
  }
  for (const teamId of from.filter((id) => id !== to)) {
    const removed = await removeMember(teamId, userId);
    if (removed.error) return removed;
  }
  return { data: undefined };
}

export const getAlertSettings = (id: string) => call(api.GET('/api/teams/{id}/alert-settings', { params: { path: { id } } }));
export const saveEscalation = (id: string, escalation: string, escalationRepeats: number) =>
  call(api.PATCH('/api/teams/{id}/alert-settings', { params: { path: { id } }, body: { escalation, escalationRepeats } }));
export const getRoster = (id: string) => call(api.GET('/api/teams/{id}/roster', { params: { path: { id } } }));
export const saveRoster = (id: string, entries: Array<{ userId: string; weekday: number; fromMinute: number; toMinute: number }>) =>
  call(api.PUT('/api/teams/{id}/roster', { params: { path: { id } }, body: { entries } }));

// ---- Patients and devices ----
export const listPatients = () => call(api.GET('/api/admin/patients', { params: { query: {} } }));
export const listDevices = () => call(api.GET('/api/admin/devices', { params: { query: {} } }));
export const provisionDevice = (patientId: string, kind: DeviceKind) => call(api.POST('/api/admin/devices', { body: { patientId, kind } }));
export const rotateDevice = (id: string) => call(api.POST('/api/admin/devices/{id}/rotate', { params: { path: { id } } }));
export const revokeDevice = (id: string) => call(api.POST('/api/admin/devices/{id}/revoke', { params: { path: { id } } }));
export const relinkDevice = (id: string, patientId: string) =>
  call(api.POST('/api/admin/devices/{id}/relink', { params: { path: { id } }, body: { patientId } }));

// ---- Audit ----
export const searchAudit = (query: AuditQuery): Promise<Result<{ entries: AuditEntry[] }>> => call(api.GET('/api/admin/audit', { params: { query } }));
