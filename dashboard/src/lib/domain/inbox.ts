/**
 * The care worker's inbox, pure: what is in it, its order, when the alarm sounds and how, and
 * the escalation countdown. The rules, and where they come from:
 *
 * - In the inbox: every open alert of the user's teams (someone has to take it), and the
 *   acknowledged ones the user took (theirs to resolve). An alert a colleague acknowledged
 *   leaves it; resolved ones are history (the patient view keeps them).
 * - Order: "newest high first": priority (IEC 60601-1-8: high, medium, low), then newest opened.
 * - The alarm sounds while an open high-priority alert is in the inbox, unless paused
 *   ("audio paused", IEC 60601-1-8 §6.8: a time-limited state, shown on screen while it lasts).
 *   A new open high alert during a pause ends the pause: the pause was for the alerts the user
 *   had already seen.
 * - The sound: IEC 60601-1-8 (Table 3 and 4) high-priority burst, 10 pulses in the rhythm
 *   3 + 2, 3 + 2, pulses of 75–200 ms, a fundamental of 150–1000 Hz, repeated every 2.5–15 s.
 */
import type { Priority } from './caseload.js';

export interface InboxAlert {
  id: string;
  priority: Priority;
  state: 'open' | 'acknowledged' | 'resolved';
  openedAt: string;
  acknowledgedBy?: string;
  nextEscalationAt?: string;
}

const RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

export function inInbox(alert: InboxAlert, userId: string | undefined): boolean {
  return alert.state === 'open' || (alert.state === 'acknowledged' && userId !== undefined && alert.acknowledgedBy === userId);
}

export function byInboxOrder(a: InboxAlert, b: InboxAlert): number {
  return RANK[a.priority] - RANK[b.priority] || Date.parse(b.openedAt) - Date.parse(a.openedAt) || a.id.localeCompare(b.id);
}

/** The open and the user's acknowledged alerts, each in inbox order. */
export function inboxSections<A extends InboxAlert>(alerts: Iterable<A>, userId: string | undefined): { open: A[]; mine: A[] } {
  const open: A[] = [];
  const mine: A[] = [];
  for (const alert of alerts) {
    if (!inInbox(alert, userId)) continue;
    (alert.state === 'open' ? open : mine).push(alert);
  }
  return { open: open.sort(byInboxOrder), mine: mine.sort(byInboxOrder) };
}

export const isOpenHigh = (alert: InboxAlert): boolean => alert.state === 'open' && alert.priority === 'high';

/** The alerts that make the alarm sound: open and high (the inbox's own rule; the server decides the priority). */
export function soundingIds(alerts: Iterable<InboxAlert>): Set<string> {
  const ids = new Set<string>();
  for (const alert of alerts) if (isOpenHigh(alert)) ids.add(alert.id);
  return ids;
}

/** Whether `now` holds an open high alert that `before` did not: a new alarm, which ends a pause. */
export function hasNewAlarm(before: ReadonlySet<string>, now: ReadonlySet<string>): boolean {
  for (const id of now) if (!before.has(id)) return true;
  return false;
}

/** Until when a pause started at `startedAt` lasts. */
export const PAUSE_SECONDS = 120;

/** Time to the next escalation level: whole seconds left, 0 once due; undefined when no level follows. */
export function secondsToEscalation(alert: Pick<InboxAlert, 'state' | 'nextEscalationAt'>, now: number): number | undefined {
  if (alert.state !== 'open' || !alert.nextEscalationAt) return undefined;
  return Math.max(0, Math.ceil((Date.parse(alert.nextEscalationAt) - now) / 1000));
}

/** `m:ss`, for countdowns shorter than an hour; `h:mm:ss` beyond. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export interface Pulse {
  /** Start, seconds from the start of the burst. */
  at: number;
  duration: number;
}

/** The high-priority burst (see the header): pulses of `pulse` s, `gap` s apart within a group. */
export function highPriorityBurst(pulse = 0.15, gap = 0.1): Pulse[] {
  // Between the groups: 2 gaps + a pulse after the 3rd and 8th pulse, a longer pause after the 5th.
  const groups = [3, 2, 3, 2];
  const between = [2 * gap + pulse, 0.6, 2 * gap + pulse];
  const pulses: Pulse[] = [];
  let t = 0;
  groups.forEach((count, g) => {
    for (let i = 0; i < count; i++) {
      pulses.push({ at: Number(t.toFixed(3)), duration: pulse });
      t += pulse + (i < count - 1 ? gap : 0);
    }
    if (g < between.length) t += between[g];
  });
  return pulses;
}

/** How often the burst repeats while the alarm sounds (within 2.5–15 s). */
export const BURST_INTERVAL_SECONDS = 10;
/** The pulses' pitch, Hz (within 150–1000 Hz). */
export const PULSE_HZ = 880;

/**
 * A short name for this device in the user's push settings ("Chrome · Android"), from the
 * user agent string: product names only, enough to tell one's phone from the ward PC. Empty
 * when neither is recognised (the screen then says "unnamed device").
 */
export function deviceLabel(userAgent: string): string {
  return [BROWSERS, SYSTEMS]
    .map((names) => names.find(([, pattern]) => pattern.test(userAgent))?.[0])
    .filter(Boolean)
    .join(' · ');
}

// First match wins: Edge and Chrome on iOS also name Safari, Edge also names Chrome.
const BROWSERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Edge', /Edg(e|A|iOS)?\//],
  ['Firefox', /Firefox\/|FxiOS\//],
  ['Chrome', /Chrome\/|CriOS\//],
  ['Safari', /Safari\//],
];
const SYSTEMS: ReadonlyArray<readonly [string, RegExp]> = [
  ['Android', /Android/],
  ['iOS', /iPhone|iPad|iPod/],
  ['Windows', /Windows/],
  ['macOS', /Mac OS X|Macintosh/],
  ['Linux', /Linux|CrOS/],
];

/** iOS (and iPadOS, which calls itself a Mac with touch) delivers Web Push only to a web app added to the home screen. */
export function isIos(userAgent: string, maxTouchPoints: number): boolean {
  return /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}
