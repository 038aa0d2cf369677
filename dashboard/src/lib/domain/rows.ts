import type { AlertWire } from '$wire/live.dto';
import type { Priority, Risk } from './caseload.js';

/**
 * One caseload row as the dashboard holds it, from `GET /api/overview` or an `overview.tick.v1`
 * row (times as ISO strings on the wire, Dates here). Alerts are the patient's alerts that are
 * not resolved, in the shape of the live contract; REST's older `status` field is read as `state`.
 */
export interface TileAlert {
  id: string;
  kind: string;
  metric?: string;
  priority: Priority;
  state: 'open' | 'acknowledged';
  openedAt: Date;
}

export interface TileDevice {
  id: string;
  kind: string;
  online: boolean;
  battery: number | null;
  lastSeen: Date | null;
}

/** A passive interval covering now: the patient's alerts are suppressed while it lasts. */
export interface Passive {
  id: string;
  startsAt: Date;
  endsAt: Date | null;
  reason: string;
}

/** A device whose vitals' threshold and no-data alerts the server holds back, and why. */
export interface Inhibition {
  reason: string;
  deviceId: string;
  since: Date;
}

export interface Row {
  id: string;
  name: string;
  teamId: string;
  latest: Record<string, { value: number; t: Date }>;
  news2: { score: number; risk: Risk; components: Record<string, number>; missing: string[] };
  alerts: TileAlert[];
  devices: TileDevice[];
  passive: Passive[];
  inhibited: Inhibition[];
}

type WireDate = string | Date;
const date = (value: WireDate) => (value instanceof Date ? value : new Date(value));

export interface WireRow {
  id: string;
  name: string;
  teamId: string;
  latest: Record<string, { value: number; t: WireDate }>;
  news2: Row['news2'];
  alerts: Array<{ id: string; kind: string; metric?: string; priority: Priority; state?: string; status?: string; openedAt: WireDate }>;
  devices?: Array<{ id: string; kind: string; online: boolean; battery: number | null; lastSeen: WireDate | null }>;
  passive?: Array<{ id: string; startsAt: WireDate; endsAt: WireDate | null; reason: string }>;
  inhibited?: Array<{ reason: string; deviceId: string; since: WireDate }>;
}

export function toPassive(wire: { id: string; startsAt: WireDate; endsAt: WireDate | null; reason: string }): Passive {
  return { id: wire.id, startsAt: date(wire.startsAt), endsAt: wire.endsAt === null ? null : date(wire.endsAt), reason: wire.reason };
}

export function toRow(wire: WireRow, previous?: Row): Row {
  const latest: Row['latest'] = {};
  for (const [metric, entry] of Object.entries(wire.latest)) latest[metric] = { value: entry.value, t: date(entry.t) };
  const alerts: TileAlert[] = [];
  for (const alert of wire.alerts) {
    const state = alert.state ?? alert.status;
    if (state !== 'open' && state !== 'acknowledged') continue;
    alerts.push({ id: alert.id, kind: alert.kind, metric: alert.metric, priority: alert.priority, state, openedAt: date(alert.openedAt) });
  }
  return {
    id: wire.id,
    name: wire.name,
    teamId: wire.teamId,
    latest,
    news2: wire.news2,
    alerts,
    // A tick may leave devices out; keep what we knew.
    devices: wire.devices ? wire.devices.map((d) => ({ ...d, lastSeen: d.lastSeen === null ? null : date(d.lastSeen) })) : (previous?.devices ?? []),
    passive: wire.passive ? wire.passive.map((p) => toPassive(p)) : (previous?.passive ?? []),
    inhibited: wire.inhibited ? wire.inhibited.map((i) => ({ reason: i.reason, deviceId: i.deviceId, since: date(i.since) })) : (previous?.inhibited ?? []),
  };
}

/** An `alert.v1` applied to a row: resolved alerts leave it, others are added or replaced. */
export function withAlert(row: Row, alert: AlertWire): Row {
  const rest = row.alerts.filter((a) => a.id !== alert.id);
  if (alert.state === 'resolved') return rest.length === row.alerts.length ? row : { ...row, alerts: rest };
  const next: TileAlert = {
    id: alert.id,
    kind: alert.kind,
    metric: alert.metric,
    priority: alert.priority,
    state: alert.state,
    openedAt: new Date(alert.openedAt),
  };
  return { ...row, alerts: [...rest, next] };
}

/** Plain data equality: primitives, Dates by time, arrays and plain objects by their entries. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

const keep = <T>(previous: T, next: T): T => (sameData(previous, next) ? previous : next);

/**
 * A new version of a row that keeps every part that did not change (the same objects as in
 * `previous`), and is `previous` itself when nothing changed. A tick carries whole rows, most of
 * them with only a value or two new: what a tile shows from an unchanged part is not redone.
 */
export function mergeRow(previous: Row | undefined, next: Row): Row {
  if (!previous) return next;
  const latest: Row['latest'] = {};
  for (const [metric, entry] of Object.entries(next.latest)) latest[metric] = previous.latest[metric] ? keep(previous.latest[metric], entry) : entry;
  const merged: Row = {
    id: next.id,
    name: next.name,
    teamId: next.teamId,
    latest: keep(previous.latest, latest),
    news2: keep(previous.news2, next.news2),
    alerts: keep(previous.alerts, next.alerts),
    devices: keep(previous.devices, next.devices),
    passive: keep(previous.passive, next.passive),
    inhibited: keep(previous.inhibited, next.inhibited),
  };
  const changed = (Object.keys(merged) as Array<keyof Row>).some((key) => merged[key] !== previous[key]);
  return changed ? merged : previous;
}
