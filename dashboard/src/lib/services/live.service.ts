import { t } from '../i18n/i18n.js';
import { alertTitle } from '../format.js';
import { announcer } from '../state/announcer.svelte.js';
import { caseload } from '../state/caseload.svelte.js';
import { session } from '../state/session.svelte.js';
import { connect, disconnect, on } from '../socket.js';

/**
 * Live data for the signed-in user: the socket opens with the session and closes with it, and
 * every new alert of the user's teams is announced in the ARIA live region.
 */
export function startLive(): () => void {
  let stopAnnouncing: (() => void) | undefined;
  const begin = () => {
    // A refused handshake: a new token from the refresh cookie, or back to sign-in.
    connect(
      () => session.accessToken,
      () => session.refresh().then((ok) => ok || (session.expire(), false)),
    );
    stopAnnouncing = on('alert.v1', ({ alert }) => {
      if (alert.state !== 'open' || alert.count !== 1) return;
      const patient = caseload.rows.get(alert.patientId)?.name ?? '';
      announcer.say(t('alert.announce', { priority: t(`priority.${alert.priority}`), kind: alertTitle(alert), patient }));
    });
  };
  const end = () => {
    stopAnnouncing?.();
    disconnect();
  };
  if (session.signedIn) begin();
  const stop = session.onChange((signedIn) => (signedIn ? begin() : end()));
  return () => {
    stop();
    end();
  };
}
