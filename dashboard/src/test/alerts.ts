import type { AlertWire } from '$wire/live.dto';

/** An open high fall alert of patient `p`, as `alert.v1` carries it, with `changes` on top. */
export const fallAlert = (id: string, changes: Partial<AlertWire> = {}): AlertWire => ({
  id,
  patientId: 'p',
  kind: 'fall',
  priority: 'high',
  state: 'open',
  openedAt: '2026-12-01T22:00:00.000Z',
  lastSeenAt: '2026-12-01T22:00:00.000Z',
  count: 1,
  escalationLevel: 0,
  ...changes,
});
