import { describe, expect, it, jest } from '@jest/globals';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { AlertWire } from '../../server/src/dtos/live.dto.js';
import { AlertRepository } from '../../server/src/repositories/alert.repository.js';
import { EscalationService } from '../../server/src/services/escalation.service.js';
import { type AlertStack, alertsOf, createWard, useAlertPlatform, type Ward } from '../support/alerts.js';
import { ApiClient } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * Welfare-technology events end to end (real PostgreSQL, Redis, Mosquitto): bed exit and door
 * opening at night (the team's night hours in its time zone) without a return within the
 * team's grace, missed dose, inactivity; and the re-alert of an acknowledged alert whose
 * condition goes on after the team's re-alert time. Graces and re-alert times are team
 * settings in seconds, so the test runs them short.
 */

/** Minutes after local midnight now, in `timeZone`, read by Intl (not by the code under test). */
function localMinuteNow(timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date());
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return part('hour') * 60 + part('minute');
}

/** A night window of two hours around now in New York; in Tokyo (13 or 14 hours ahead) the same hours are day. */
const NIGHT_ZONE = 'America/New_York';
const DAY_ZONE = 'Asia/Tokyo';
function nightAroundNow(): { nightStartMinute: number; nightEndMinute: number } {
  const now = localMinuteNow(NIGHT_ZONE);
  return { nightStartMinute: (now + 1440 - 60) % 1440, nightEndMinute: (now + 60) % 1440 };
}

describe('event alerts and re-alerts', () => {
  let stack: AlertStack;
  let platform: TestPlatform;
  let api: ApiClient;
  useAlertPlatform('vigil-event-alerts', (started) => ({ stack, platform, api } = started));

  const settings = async (w: Ward, body: Record<string, unknown>) => {
    const response = await api.request('PATCH', `/api/teams/${w.teamId}/alert-settings`, { body, token: w.token });
    expect(response.status).toBe(200);
  };
  const event = (w: Ward, kind: string, type: string, t = Date.now()) =>
    publish(w.devices[kind].client, topicFor(w.devices[kind].id, 'events'), { t, type, data: {} });
  /** The in-app notifications of an alert, in order. */
  const deliveries = (id: string) =>
    sql<{ level: number; recipient: string }>(
      platform,
      `SELECT level, recipient FROM alert_deliveries WHERE alert_id = $1 AND channel = 'in_app' ORDER BY at, id`,
      [id],
    );
  const pending = (w: Ward, rule: string) =>
    sql<{ due_at: Date }>(platform, `SELECT due_at FROM rule_state WHERE patient_id = $1 AND rule = $2`, [w.patientId, rule]);

  /**
   * A wearable's heart rate of 130/min past the patient's `thresholds` (sustained for 0 s; the team
   * notifies its care staff at once and re-alerts after an hour): the threshold alert it opened,
   * notified once and acknowledged by the care staff. `hr` publishes the wearable's next reading.
   */
  async function acknowledgedHrAlert(thresholds: { yellowHigh: number; redHigh?: number }) {
    const w = await createWard(stack, platform, ['wearable']);
    await settings(w, { escalation: 'care_staff@0', realertSeconds: 3600 });
    const threshold = await api.request('PUT', `/api/patients/${w.patientId}/thresholds`, {
      body: { metric: 'hr', ...thresholds, sustainedSeconds: 0 },
      token: w.token,
    });
    expect(threshold.status).toBe(200);
    const readings = topicFor(w.devices.wearable.id, 'readings');
    let t = Date.now() - 60_000;
    const hr = (value: number) => publish(w.devices.wearable.client, readings, { t: (t += 100), m: { hr: value } });

    await hr(130);
    const [alert] = await waitFor(
      () => alertsOf(platform, w.patientId, ['threshold']),
      (rows) => rows.length === 1,
    );
    await waitFor(
      () => deliveries(alert.id),
      (rows) => rows.length === 1,
    );
    const careToken = (await new ApiClient(platform.baseUrl).signIn(w.careStaff)).accessToken;
    expect((await api.request<AlertWire>('POST', `/api/alerts/${alert.id}/acknowledge`, { token: careToken })).body).toMatchObject({ state: 'acknowledged' });
    return { w, alert, hr };
  }

  /**
   * At night, `opening` from `device`: back in bed within the grace (600 s) drops the pending alert
   * and raises nothing; not back within it (1 s, over when the sweep looks) raises `kind`, returned.
   */
  async function nightWithoutReturn(w: Ward, device: string, opening: 'bed_exit' | 'door_open', grace: 'bedExitGraceSeconds' | 'doorOpenGraceSeconds') {
    await settings(w, { timeZone: NIGHT_ZONE, ...nightAroundNow(), [grace]: 600 });
    const t = Date.now() - 1000;
    await event(w, device, opening, t);
    const [due] = await waitFor(
      () => pending(w, `pending:${opening}`),
      (rows) => rows.length === 1,
    );
    expect(due.due_at.getTime()).toBe(t + 600_000);
    await event(w, 'bed_sensor', 'bed_return');
    await waitFor(
      () => pending(w, `pending:${opening}`),
      (rows) => rows.length === 0,
    );
    expect(await alertsOf(platform, w.patientId)).toEqual([]);

    await settings(w, { [grace]: 1 });
    await event(w, device, opening, Date.now() - 2000);
    const [raised] = await waitFor(
      () => alertsOf(platform, w.patientId, [opening]),
      (rows) => rows.length === 1,
      10_000,
      `${opening} after its grace`,
    );
    return raised;
  }

  it('a bed exit at night raises bed_exit when nobody is back in bed within the grace, and a return clears it', async () => {
    const w = await createWard(stack, platform, ['bed_sensor']);
    const raised = await nightWithoutReturn(w, 'bed_sensor', 'bed_exit', 'bedExitGraceSeconds');
    expect(raised).toMatchObject({ priority: 'medium', state: 'open' });
    // Medium does not latch: the return ends it.
    await event(w, 'bed_sensor', 'bed_return');
    await waitFor(
      () => alertsOf(platform, w.patientId, ['bed_exit']),
      (rows) => rows[0]?.state === 'resolved',
    );
    expect((await alertsOf(platform, w.patientId, ['bed_exit']))[0]).toMatchObject({ id: raised.id, cleared: true });
  });

  it('a grace that runs out while the raise fails stays pending, and the next sweep raises its alert', async () => {
    const w = await createWard(stack, platform, ['bed_sensor']);
    await settings(w, { timeZone: NIGHT_ZONE, ...nightAroundNow(), bedExitGraceSeconds: 1 });
    // The sweep's first raise of this patient's bed_exit fails (a dropped connection, a crash in
    // the middle): the taken grace must come back with the rolled-back transaction.
    const alerts = platform.app.get(AlertRepository);
    const raise = alerts.raise.bind(alerts);
    let failed = 0;
    const spy = jest.spyOn(alerts, 'raise').mockImplementation((key, ...rest) => {
      if (key.patientId === w.patientId && key.kind === 'bed_exit' && failed++ === 0) return Promise.reject(new Error('injected: connection lost'));
      return raise(key, ...rest);
    });
    try {
      await event(w, 'bed_sensor', 'bed_exit', Date.now() - 2000);
      await waitFor(
        async () => failed,
        (n) => n >= 1,
        10_000,
        'the failed raise',
      );
      const [raised] = await waitFor(
        () => alertsOf(platform, w.patientId, ['bed_exit']),
        (rows) => rows.length === 1,
        10_000,
        'bed_exit at the next sweep',
      );
      expect(raised).toMatchObject({ priority: 'medium', state: 'open', count: 1 });
      expect(failed).toBe(2);
      expect(await pending(w, 'pending:bed_exit')).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('the night is the team’s, in its time zone: the same hours in Tokyo are day, and a bed exit then is routine', async () => {
    const w = await createWard(stack, platform, ['bed_sensor', 'medication_dispenser']);
    await settings(w, { timeZone: DAY_ZONE, ...nightAroundNow(), bedExitGraceSeconds: 0 });
    await event(w, 'bed_sensor', 'bed_exit', Date.now() - 2000);
    // A patient's rules run one evaluation at a time, in the order batches were stored: once the missed dose
    // published after it has raised its alert, the bed exit has been evaluated too. Nothing pending, nothing raised.
    await event(w, 'medication_dispenser', 'med_missed');
    await waitFor(
      () => alertsOf(platform, w.patientId, ['missed_dose']),
      (rows) => rows.length === 1,
    );
    expect(await pending(w, 'pending:bed_exit')).toEqual([]);
    expect(await alertsOf(platform, w.patientId, ['bed_exit'])).toEqual([]);
    // The same hours in the night zone: the exit starts its grace (0 s) and raises at the next sweep.
    await settings(w, { timeZone: NIGHT_ZONE });
    await event(w, 'bed_sensor', 'bed_exit', Date.now() - 2000);
    await waitFor(
      () => alertsOf(platform, w.patientId, ['bed_exit']),
      (rows) => rows.length === 1,
    );
  });

  it('a door opening at night raises door_open (high, latching) unless the person is back within the grace', async () => {
    const w = await createWard(stack, platform, ['door_sensor', 'bed_sensor']);
    const raised = await nightWithoutReturn(w, 'door_sensor', 'door_open', 'doorOpenGraceSeconds');
    expect(raised).toMatchObject({ priority: 'high', state: 'open' });
    // High latches (IEC 60601-1-8): the return records the clear, the alert stays until someone acknowledges it.
    await event(w, 'bed_sensor', 'bed_return');
    const [latched] = await waitFor(
      () => alertsOf(platform, w.patientId, ['door_open']),
      (rows) => rows[0]?.condition_cleared_at !== null,
    );
    expect(latched).toMatchObject({ id: raised.id, state: 'open' });
  });

  it('a missed dose and inactivity each raise their alert (medium)', async () => {
    const w = await createWard(stack, platform, ['medication_dispenser', 'fall_detector']);
    await event(w, 'medication_dispenser', 'med_taken');
    await event(w, 'medication_dispenser', 'med_missed');
    await event(w, 'fall_detector', 'inactivity');
    const rows = await waitFor(
      () => alertsOf(platform, w.patientId),
      (r) => r.length === 2,
    );
    expect(rows.map((a) => [a.kind, a.priority, a.state]).sort()).toEqual([
      ['inactivity', 'medium', 'open'],
      ['missed_dose', 'medium', 'open'],
    ]);
  });

  it('an acknowledged alert whose condition goes on notifies again after the team’s re-alert time, not before', async () => {
    const { w, alert, hr } = await acknowledgedHrAlert({ yellowHigh: 110 });
    const breach = () => hr(130);

    // Still breaching, well within the hour: counted, nobody notified again.
    await breach();
    await waitFor(
      () => alertsOf(platform, w.patientId, ['threshold']),
      (rows) => rows[0]?.count === 2,
    );
    await platform.app.get(EscalationService).realertIfDue((await platform.app.get(AlertRepository).get(alert.id))!);
    expect(await deliveries(alert.id)).toHaveLength(1);

    // With a re-alert time of one second, the next repeat after it notifies the first level again.
    await settings(w, { realertSeconds: 1 });
    const notified = await waitFor(
      async () => {
        await breach();
        return deliveries(alert.id);
      },
      (rows) => rows.length >= 2,
      20_000,
      'the re-alert',
    );
    expect(notified).toEqual([
      { level: 0, recipient: w.careStaff.email },
      { level: 0, recipient: w.careStaff.email },
    ]);
    expect((await alertsOf(platform, w.patientId, ['threshold']))[0]).toMatchObject({ id: alert.id, state: 'acknowledged' });
  });

  it('an alert acknowledged at medium priority that rises to high notifies its first level at once, once', async () => {
    const { w, alert, hr } = await acknowledgedHrAlert({ yellowHigh: 110, redHigh: 150 });
    expect(alert).toMatchObject({ priority: 'medium' });

    // Within the hour of the re-alert time, the rate crosses the red bound: notified again now.
    await hr(165);
    const notified = await waitFor(
      () => deliveries(alert.id),
      (rows) => rows.length >= 2,
      20_000,
      'the notification of the risen priority',
    );
    expect(notified).toEqual([
      { level: 0, recipient: w.careStaff.email },
      { level: 0, recipient: w.careStaff.email },
    ]);
    expect((await alertsOf(platform, w.patientId, ['threshold']))[0]).toMatchObject({ id: alert.id, state: 'acknowledged', priority: 'high' });

    // Still high, not higher: counted, nobody notified a third time.
    await hr(166);
    await waitFor(
      () => alertsOf(platform, w.patientId, ['threshold']),
      (rows) => rows[0]?.count === 3,
    );
    await platform.app.get(EscalationService).realertIfDue((await platform.app.get(AlertRepository).get(alert.id))!);
    expect(await deliveries(alert.id)).toHaveLength(2);
  });
});
