import type { operations } from '../api/schema.js';

/** What the admin screens show, as the REST API gives it (docs/openapi.json). */
export type UserAccount = operations['AdminUserController_list']['responses'][200]['content']['application/json'][number];
export type Team = operations['AdminTeamController_list']['responses'][200]['content']['application/json'][number];
export type Device = operations['AdminDeviceController_list']['responses'][200]['content']['application/json'][number];
export type DeviceSecret = operations['AdminDeviceController_create']['responses'][201]['content']['application/json'];
export type AdminPatient = operations['AdminPatientController_list']['responses'][200]['content']['application/json'][number];
export type AlertSettings = operations['AlertController_settings']['responses'][200]['content']['application/json'];
export type Roster = operations['AlertController_roster']['responses'][200]['content']['application/json'];
export type AuditEntry = operations['AuditController_query']['responses'][200]['content']['application/json']['entries'][number];
export type AuditQuery = NonNullable<operations['AuditController_query']['parameters']['query']>;

/** The admin screens, in the order of their tabs (`/admin/<section>`). */
export const ADMIN_SECTIONS = ['users', 'teams', 'devices', 'audit'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export const isAdminSection = (value: string | undefined): value is AdminSection => ADMIN_SECTIONS.includes(value as AdminSection);

/** Locked now: a lock that ends in the future (the list gives the latest lock from any address). */
export function isLocked(user: Pick<UserAccount, 'lockedUntil'>, now: Date): boolean {
  return user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now.getTime();
}

// ---- Escalation chain ----

/** One level as the editor holds it: a role or a member's e-mail, called so many minutes after the alert opened. */
export interface EscalationRow {
  who: string;
  afterMinutes: number;
}

export function escalationRows(levels: AlertSettings['escalationLevels']): EscalationRow[] {
  return levels.map((level) => ({ who: level.role ?? level.userEmail ?? '', afterMinutes: level.afterSeconds / 60 }));
}

/** The chain in the form the API and the operator CLI take: "care_staff@0,clinician@120,doctor@example.org@300" (seconds). */
export function escalationText(rows: readonly EscalationRow[]): string {
  return rows.map((row) => `${row.who.trim()}@${Math.round(row.afterMinutes * 60)}`).join(',');
}

// ---- Duty roster ----

/** Minutes after midnight as the `HH:MM` of a time input; 1440 (midnight at the end of the day) is 00:00, as the input shows it. */
export function minutesToTime(minutes: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const inDay = minutes % 1440;
  return `${pad(Math.floor(inDay / 60))}:${pad(inDay % 60)}`;
}

/** `HH:MM` back to minutes; an end of `00:00` means midnight at the end of the day (1440). */
export function timeToMinutes(time: string, end = false): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes > 1440) return undefined;
  return end && minutes === 0 ? 1440 : minutes;
}

export interface RosterRow {
  userId: string;
  weekday: number;
  from: string;
  to: string;
}

export const rosterRows = (roster: Pick<Roster, 'entries'>): RosterRow[] =>
  roster.entries.map((e) => ({ userId: e.userId, weekday: e.weekday, from: minutesToTime(e.fromMinute), to: minutesToTime(e.toMinute) }));

/** The rows as the roster route takes them; the index of each row whose times do not make a shift. */
export function rosterEntries(rows: readonly RosterRow[]): {
  entries: Array<{ userId: string; weekday: number; fromMinute: number; toMinute: number }>;
  invalid: number[];
} {
  const entries: Array<{ userId: string; weekday: number; fromMinute: number; toMinute: number }> = [];
  const invalid: number[] = [];
  rows.forEach((row, i) => {
    const fromMinute = timeToMinutes(row.from);
    const toMinute = timeToMinutes(row.to, true);
    if (fromMinute === undefined || toMinute === undefined || fromMinute >= 1440 || toMinute <= fromMinute || !row.userId) invalid.push(i);
    else entries.push({ userId: row.userId, weekday: row.weekday, fromMinute, toMinute });
  });
  return { entries, invalid };
}

/** Weekdays as the roster numbers them (0 = Sunday), listed from Monday as Danish and British calendars do. */
export const WEEKDAYS_FROM_MONDAY = [1, 2, 3, 4, 5, 6, 0] as const;

// ---- Audit search ----

export interface AuditFilters {
  userId: string;
  patientId: string;
  /** `datetime-local` values (the browser's local time), empty for open. */
  from: string;
  to: string;
}

/** The audit route's query for the filters; `beforeId` asks for the page after the one that ended there. */
export function auditQuery(filters: AuditFilters, limit: number, beforeId?: number): AuditQuery {
  const query: AuditQuery = { limit };
  if (filters.userId) query.userId = filters.userId;
  if (filters.patientId) query.patientId = filters.patientId;
  if (filters.from) query.from = new Date(filters.from).toISOString();
  if (filters.to) query.to = new Date(filters.to).toISOString();
  if (beforeId !== undefined) query.beforeId = beforeId;
  return query;
}

/** Where the next page starts (the smallest id seen), or nothing when the last page was not full. */
export function nextBeforeId(page: readonly Pick<AuditEntry, 'id'>[], limit: number): number | undefined {
  return page.length < limit ? undefined : Math.min(...page.map((entry) => entry.id));
}
