import type { AlertWire } from '$wire/live.dto';
import { api, apiError, failureMessage } from '../api/client.js';
import type { WireRow } from '../domain/rows.js';
import { FrameBuffer } from '../frame-buffer.js';
import { caseload } from '../state/caseload.svelte.js';
import { session } from '../state/session.svelte.js';
import { on, onReconnect, watch } from '../socket.js';

type Change = { row: WireRow } | { alert: AlertWire };

export async function loadCaseload(): Promise<void> {
  caseload.beginLoad();
  try {
    const { data, error, response } = await api.GET('/api/overview');
    if (!data) return caseload.failLoad(apiError(response, error).message);
    caseload.load(data.patients);
  } catch (error) {
    // No answer at all (offline): the load still ends, or live changes would be collected forever.
    caseload.failLoad(failureMessage(error));
  }
}

/**
 * While the overview is on screen: the caseload from REST, then live changes of every team
 * of the user, buffered and applied once per frame. A reconnect or a resync refetches, since
 * ticks missed while away are not replayed. Returns the function that stops all of it.
 */
export function openCaseload(): () => void {
  void loadCaseload();
  const buffer = new FrameBuffer<Change>((changes) => {
    const rows: WireRow[] = [];
    const alerts: AlertWire[] = [];
    for (const change of changes) {
      if ('row' in change) rows.push(change.row);
      else alerts.push(change.alert);
    }
    caseload.apply({ rows, alerts });
  });
  const stops = [
    ...(session.me?.teams ?? []).map((team) => watch({ teamId: team.id })),
    on('overview.tick.v1', (tick) => {
      for (const row of tick.patients) buffer.push({ row: row as unknown as WireRow });
    }),
    on('alert.v1', ({ alert }) => buffer.push({ alert })),
    on('resync.v1', (resync) => {
      if (!resync.patientId) void loadCaseload();
    }),
    onReconnect(() => void loadCaseload()),
  ];
  return () => {
    buffer.close();
    for (const stop of stops) stop();
  };
}
