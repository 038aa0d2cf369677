import type { AlertWire } from '$wire/live.dto';
import { failureMessage, requestJson } from '../api/client.js';
import { t } from '../i18n/i18n.js';
import { inbox } from '../state/inbox.svelte.js';
import { session } from '../state/session.svelte.js';
import { on } from '../socket.js';
import { acknowledgeAlert, resolveAlert } from './patient.service.js';

/** The inbox's states from the server; each state is its own query so a long history cannot push open alerts out. */
const INBOX_STATES = ['open', 'acknowledged'] as const;

export async function loadInbox(): Promise<void> {
  inbox.beginLoad();
  try {
    const results = await Promise.all(
      INBOX_STATES.map((state) => requestJson<{ alerts: AlertWire[] }>(`/api/alerts?${new URLSearchParams({ state, limit: '1000' })}`)),
    );
    const failed = results.find((r) => r.error);
    if (failed?.error) return inbox.failLoad(failed.error.message);
    inbox.finishLoad(results.flatMap((r) => r.data?.alerts ?? []));
  } catch (error) {
    // No answer at all (offline): the load still ends, or live changes would be collected forever.
    inbox.failLoad(failureMessage(error));
  }
}

/**
 * The inbox for the signed-in user, whatever screen is open (so the alarm sounds anywhere in the
 * app): loaded at sign-in and after every reconnect (changes missed meanwhile are not replayed),
 * live from `alert.v1` in between. Returns the function that stops it.
 */
export function startInbox(): () => void {
  let stopLive: (() => void) | undefined;
  const begin = () => {
    inbox.userId = session.me?.id;
    stopLive = on('alert.v1', ({ alert }) => inbox.apply(alert));
    void loadInbox();
  };
  const end = () => {
    stopLive?.();
    inbox.clear();
  };
  if (session.signedIn) begin();
  const stop = session.onChange((signedIn) => (signedIn ? begin() : end()));
  return () => {
    stop();
    end();
  };
}

/** Acknowledge: the answer updates the inbox at once (the live event that follows changes nothing more). */
export async function acknowledge(id: string): Promise<{ alert?: AlertWire; error?: string }> {
  return settled(await acknowledgeAlert(id));
}

export async function resolve(id: string, note: string): Promise<{ alert?: AlertWire; error?: string }> {
  return settled(await resolveAlert(id, note));
}

function settled(result: { data?: AlertWire; error?: { message: string } }): { alert?: AlertWire; error?: string } {
  if (result.data) inbox.apply(result.data);
  return { alert: result.data, error: result.error ? t('state.error', { message: result.error.message }) : undefined };
}

export function getAlert(id: string) {
  return requestJson<AlertWire>(`/api/alerts/${encodeURIComponent(id)}`);
}
