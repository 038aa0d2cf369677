import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { DeviceKind } from '../../server/src/domain/device-kinds.js';
import { topicFor } from '../../server/src/domain/protocol.js';
import type { AlertWire } from '../../server/src/dtos/live.dto.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { ALERT_QUEUE, escalationJobId, JobRepository } from '../../server/src/repositories/job.repository.js';
import { OperatorService } from '../../server/src/services/operator.service.js';
import { type AlertStack, alertsOf as alertsOfPatient, createWard, startAlertStack } from '../support/alerts.js';
import { ApiClient } from '../support/auth.js';
import { metric, publish } from '../support/devices.js';
import { sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * Alerts end to end on the real PostgreSQL 15, a Redis and a Mosquitto of the test's own:
 * readings and events published over MQTT, rules on the stored batches, one alert per
 * condition, the lifecycle over REST, escalation and webhooks through BullMQ.
 */

describe('alerts', () => {
  let stack: AlertStack;
  let platform: TestPlatform;
  let api: ApiClient;

  const start = (clientId: string, shareGroup?: string) => stack.start(clientId, { shareGroup });

  beforeAll(async () => {
    stack = await startAlertStack();
    platform = await start('vigil-alerts-a');
    api = new ApiClient(platform.baseUrl);
  });
  afterAll(async () => {
    await platform?.close();
    await stack?.stop();
  });

  const ward = (kinds: DeviceKind[], on: TestPlatform = platform) => createWard(stack, on, kinds);
  const alertsOf = (patientId: string, kinds?: string[]) => alertsOfPatient(platform, patientId, kinds);

  const readingsOf = (patientId: string) =>
    sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM readings WHERE patient_id = $1`, [patientId]).then((r) => r[0].n);

  const spo2Threshold = { metric: 'spo2', redLow: 85, yellowLow: 92, sustainedSeconds: 60, clearMargin: 1, clearAfterSeconds: 0 };

  it('a sustained breach opens one alert (one second short opens nothing) and repeats update it', async () => {
    const w = await ward(['pulse_oximeter']);
    const set = await api.request('PUT', `/api/patients/${w.patientId}/thresholds`, { body: spo2Threshold, token: w.token });
    expect(set.status).toBe(200);
    const readings = topicFor(w.devices.pulse_oximeter.id, 'readings');
    const t0 = Date.now() - 240_000;
    await publish(w.devices.pulse_oximeter.client, readings, [
      { t: t0, m: { spo2: 90 } },
      { t: t0 + 59_000, m: { spo2: 90 } },
    ]);
    await waitFor(
      () => readingsOf(w.patientId),
      (n) => n === 2,
      10_000,
      'both samples stored',
    );
    // The rule ran over both samples (its state records the newest) and opened nothing.
    await waitFor(
      () =>
        sql<{ state: { lastT?: number; breachSince?: number } }>(platform, `SELECT state FROM rule_state WHERE patient_id = $1 AND rule = 'threshold:spo2'`, [
          w.patientId,
        ]),
      (rows) => rows[0]?.state.lastT === t0 + 59_000,
    );
    expect(await alertsOf(w.patientId, ['threshold'])).toEqual([]);
    // (SpO2 90 scores 3 in NEWS2: that is its own alert, kind news2, checked below.)

    await publish(w.devices.pulse_oximeter.client, readings, { t: t0 + 60_000, m: { spo2: 91 } });
    const [opened] = await waitFor(
      () => alertsOf(w.patientId, ['threshold']),
      (rows) => rows.length === 1,
    );
    expect(opened).toMatchObject({ kind: 'threshold', metric: 'spo2', priority: 'medium', state: 'open', count: 1, value: 91 });

    // Repeats, one falling into red: the same alert, counted, latest value, priority up.
    // (Samples of one write batch count as one repeat: each is published once the previous one counted.)
    await publish(w.devices.pulse_oximeter.client, readings, { t: t0 + 70_000, m: { spo2: 84 } });
    await waitFor(
      () => alertsOf(w.patientId, ['threshold']),
      (r) => r[0]?.count === 2,
    );
    await publish(w.devices.pulse_oximeter.client, readings, { t: t0 + 80_000, m: { spo2: 90 } });
    const rows = await waitFor(
      () => alertsOf(w.patientId, ['threshold']),
      (r) => r[0]?.count === 3,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: opened.id, priority: 'high', value: 90 });

    // The inbox shows it in the contract's shape.
    const inbox = await api.request<{ alerts: AlertWire[] }>('GET', `/api/alerts?patientId=${w.patientId}`, { token: w.token });
    expect(inbox.status).toBe(200);
    expect(inbox.body.alerts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: opened.id,
          patientId: w.patientId,
          kind: 'threshold',
          metric: 'spo2',
          priority: 'high',
          state: 'open',
          count: 3,
          value: 90,
        }),
        // NEWS2 from the same SpO2 alone (a single parameter scoring 3: low–medium → low), one alert however many batches.
        expect.objectContaining({ kind: 'news2', priority: 'low', state: 'open' }),
      ]),
    );
    expect(inbox.body.alerts).toHaveLength(2);
  });

  it('gives NEWS2 as a series and the team’s alarm-fatigue figures, also on /metrics', async () => {
    const w = await ward(['pulse_oximeter', 'alarm_button']);
    const readings = topicFor(w.devices.pulse_oximeter.id, 'readings');
    const t0 = Date.now() - 600_000;
    await publish(w.devices.pulse_oximeter.client, readings, [
      { t: t0, m: { spo2: 97, hr: 70 } },
      { t: t0 + 60_000, m: { spo2: 93, hr: 70 } },
      { t: t0 + 120_000, m: { spo2: 93, hr: 125 } },
    ]);
    await waitFor(
      () => readingsOf(w.patientId),
      (n) => n === 6,
    );
    const from = new Date(t0 - 1000).toISOString();
    const to = new Date().toISOString();
    const series = await api.request<{ points: Array<{ t: string; score: number; risk: string }> }>(
      'GET',
      `/api/patients/${w.patientId}/news2?from=${from}&to=${to}`,
      {
        token: w.token,
      },
    );
    expect(series.status).toBe(200);
    // SpO2 97 → 0, 93 → 2 (scale 1); HR 70 → 0, 125 → 2: one point per change, partial (other parameters missing).
    expect(series.body.points.map((p) => [Date.parse(p.t) - t0, p.score, p.risk])).toEqual([
      [0, 0, 'low'],
      [60_000, 2, 'low'],
      [120_000, 4, 'low'],
    ]);
    const bad = await api.request<{ errors: Array<{ field: string }> }>('GET', `/api/patients/${w.patientId}/news2?from=yesterday&to=${to}`, {
      token: w.token,
    });
    expect([bad.status, bad.body.errors.map((e) => e.field)]).toEqual([400, ['from']]);

    await publish(w.devices.alarm_button.client, topicFor(w.devices.alarm_button.id, 'events'), { t: Date.now() - 100, type: 'alarm_button', data: {} });
    const [alert] = await waitFor(
      () => alertsOf(w.patientId, ['alarm_button']),
      (r) => r.length === 1,
    );
    expect((await api.request('POST', `/api/alerts/${alert.id}/acknowledge`, { token: w.token })).status).toBe(200);
    const stats = await api.request<Record<string, unknown>>(
      'GET',
      `/api/teams/${w.teamId}/alert-stats?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`,
      {
        token: w.token,
      },
    );
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      alerts: 1,
      acknowledgedShare: 1,
      perPatientDay: [expect.objectContaining({ kind: 'alarm_button', priority: 'high', count: 1 })],
      flapping: 0,
    });
    expect((stats.body.timeToAcknowledgeSeconds as { p50: number }).p50).toBeGreaterThanOrEqual(0);
    const other = await ward([]);
    expect((await api.request('GET', `/api/teams/${w.teamId}/alert-stats?from=${from}&to=${to}`, { token: other.token })).status).toBe(404);
    await waitFor(
      () => metric(platform.baseUrl, 'vigil_alert_changes_total', { kind: 'alarm_button', priority: 'high', change: 'acknowledged' }),
      (n) => n >= 1,
    );
  });

  it('refuses a threshold whose red lies inside yellow, naming the field', async () => {
    const w = await ward([]);
    const bad = await api.request<{ message: string; errors: Array<{ field: string }> }>('PUT', `/api/patients/${w.patientId}/thresholds`, {
      body: { metric: 'hr', redLow: 55, yellowLow: 50 },
      token: w.token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.field)).toEqual(['yellowLow']);
  });

  it('the operator CLI sets thresholds and escalation chains, refusing bad ones naming the option', async () => {
    const w = await ward([]);
    const operator = platform.app.get(OperatorService);
    const set = await operator.execute('threshold set', { patient: w.patientId, metric: 'hr', yellowHigh: '110', redHigh: '130', sustainedSeconds: '60' });
    expect(set).toMatchObject({ patientId: w.patientId, metric: 'hr', yellowHigh: 110, redHigh: 130, sustainedSeconds: 60 });
    await expect(operator.execute('threshold set', { patient: w.patientId, metric: 'hr', yellowHigh: '140', redHigh: '130' })).rejects.toThrow(
      /redHigh: must be greater than yellowHigh/,
    );
    await expect(operator.execute('threshold set', { patient: w.patientId, metric: 'pulse', yellowHigh: '140' })).rejects.toThrow(/--metric/);
    expect(await operator.execute('escalation set', { team: w.teamId, levels: `care_staff@0,${w.clinician.email}@120` })).toEqual({
      teamId: w.teamId,
      levels: [
        { role: 'care_staff', afterSeconds: 0 },
        { userEmail: w.clinician.email.toLowerCase(), afterSeconds: 120 },
      ],
      repeats: 0,
    });
    await expect(operator.execute('escalation set', { team: w.teamId, levels: 'nurse@0' })).rejects.toThrow(/neither a role/);
    const audit = await sql<{ action: string }>(platform, `SELECT action FROM audit_log WHERE patient_id = $1 OR target_id = $2 ORDER BY id`, [
      w.patientId,
      w.teamId,
    ]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['threshold.set', 'alert.settings.update']));
  });

  it('two fall events 1 ms apart open one alert, counted twice', async () => {
    const w = await ward(['fall_detector']);
    const events = topicFor(w.devices.fall_detector.id, 'events');
    const t = Date.now() - 1000;
    await Promise.all([
      publish(w.devices.fall_detector.client, events, { t, type: 'fall', data: {} }),
      publish(w.devices.fall_detector.client, events, { t: t + 1, type: 'fall', data: {} }),
    ]);
    const rows = await waitFor(
      () => alertsOf(w.patientId),
      (r) => r[0]?.count === 2,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'fall', priority: 'high', state: 'open' });
  });

  it('two instances evaluating the same stream at once open one alert', async () => {
    const second = await start('vigil-alerts-b', 'vigil-b');
    try {
      const w = await ward(['wearable', 'fall_detector']);
      await api.request('PUT', `/api/patients/${w.patientId}/thresholds`, { body: { metric: 'hr', yellowHigh: 110, sustainedSeconds: 0 }, token: w.token });
      const t = new Date(Date.now() - 5000);
      const readings = [{ time: t, patientId: w.patientId, deviceId: w.devices.wearable.id, metric: 'hr', value: 130 }];
      const falls = [0, 1].map((ms) => ({
        time: new Date(t.getTime() + ms),
        patientId: w.patientId,
        deviceId: w.devices.fall_detector.id,
        type: 'fall',
        data: {},
      }));
      // Both instances are handed the same committed batches, as if both had stored them.
      for (const instance of [platform, second]) {
        instance.app.get(EventBusRepository).emit('readings.stored', { rows: readings });
        instance.app.get(EventBusRepository).emit('events.stored', { rows: falls });
      }
      const rows = await waitFor(
        () => alertsOf(w.patientId),
        (r) => r.find((a) => a.kind === 'fall')?.count === 4,
      );
      expect(rows.map((a) => a.kind).sort()).toEqual(['fall', 'threshold']);
      // The threshold's shared rule state saw the sample once: the second instance found it already evaluated.
      expect(rows.find((a) => a.kind === 'threshold')).toMatchObject({ metric: 'hr', count: 1, priority: 'medium' });
    } finally {
      await second.stop();
    }
  });

  it('an unacknowledged alert escalates after its delay and an acknowledged one does not', async () => {
    const w = await ward(['fall_detector', 'alarm_button']);
    const settings = await api.request('PATCH', `/api/teams/${w.teamId}/alert-settings`, { body: { escalation: 'care_staff@0,clinician@2' }, token: w.token });
    expect(settings.status).toBe(200);
    const t = Date.now() - 1000;
    await publish(w.devices.alarm_button.client, topicFor(w.devices.alarm_button.id, 'events'), { t, type: 'alarm_button', data: {} });
    const [acked] = await waitFor(
      () => alertsOf(w.patientId),
      (r) => r.length === 1,
    );
    const careToken = (await new ApiClient(platform.baseUrl).signIn(w.careStaff)).accessToken;
    const ack = await api.request<AlertWire>('POST', `/api/alerts/${acked.id}/acknowledge`, { token: careToken });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: w.careStaff.id });
    // Its planned level-1 job is gone from the queue.
    const connection = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(ALERT_QUEUE, { connection, prefix: platform.app.get(JobRepository).prefix });
    try {
      await waitFor(
        () => queue.getJob(escalationJobId(acked.id, 0, 1)),
        (job) => job === undefined,
      );
    } finally {
      await queue.close();
      connection.disconnect();
    }

    await publish(w.devices.fall_detector.client, topicFor(w.devices.fall_detector.id, 'events'), { t: Date.now(), type: 'fall', data: {} });
    const escalated = await waitFor(
      () => alertsOf(w.patientId),
      (r) => r.find((a) => a.kind === 'fall')?.escalation_level === 1,
      20_000,
      'the fall alert escalating to level 1',
    );
    const fall = escalated.find((a) => a.kind === 'fall')!;
    const deliveries = (id: string) =>
      sql<{ level: number; channel: string; recipient: string }>(
        platform,
        `SELECT level, channel, recipient FROM alert_deliveries WHERE alert_id = $1 ORDER BY level, recipient`,
        [id],
      );
    await waitFor(
      () => deliveries(fall.id),
      (d) => d.length === 2,
    );
    expect(await deliveries(fall.id)).toEqual([
      { level: 0, channel: 'in_app', recipient: w.careStaff.email },
      { level: 1, channel: 'in_app', recipient: w.clinician.email },
    ]);
    // The acknowledged alert, opened earlier with the same chain, stayed at level 0 and reached only level 0.
    expect(escalated.find((a) => a.kind === 'alarm_button')).toMatchObject({ state: 'acknowledged', escalation_level: 0 });
    expect(await deliveries(acked.id)).toEqual([{ level: 0, channel: 'in_app', recipient: w.careStaff.email }]);
  });

  it('a webhook answering 500 is retried until it succeeds, signed with HMAC-SHA256 over timestamp and body', async () => {
    const received: Array<{ status: number; body: string; timestamp: string; signature: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const status = received.length < 2 ? 500 : 204;
        received.push({ status, body, timestamp: String(req.headers['x-vigil-timestamp']), signature: String(req.headers['x-vigil-signature']) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const w = await ward(['alarm_button']);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const hook = await api.request<{ id: string; secret: string }>('POST', `/api/teams/${w.teamId}/webhooks`, { body: { url }, token: w.token });
      expect(hook.status).toBe(201);
      await publish(w.devices.alarm_button.client, topicFor(w.devices.alarm_button.id, 'events'), { t: Date.now() - 500, type: 'alarm_button', data: {} });
      await waitFor(
        () => received.length,
        (n) => n === 3,
        20_000,
        'three webhook attempts',
      );
      for (const attempt of received) {
        const expected = createHmac('sha256', hook.body.secret).update(`${attempt.timestamp}.${attempt.body}`).digest('hex');
        expect(attempt.signature).toBe(`v1=${expected}`);
        expect(Math.abs(Date.now() / 1000 - Number(attempt.timestamp))).toBeLessThan(300); // inside the replay window
      }
      const body = JSON.parse(received[2].body) as { change: string; alert: AlertWire };
      expect(body).toMatchObject({ change: 'opened', alert: { patientId: w.patientId, kind: 'alarm_button', priority: 'high' } });
      const log = await waitFor(
        () =>
          sql<{ attempt: number; status: string }>(
            platform,
            `SELECT attempt, status FROM alert_deliveries WHERE alert_id = $1 AND channel = 'webhook' ORDER BY attempt`,
            [body.alert.id],
          ),
        (rows) => rows.length === 3,
      );
      expect(log).toEqual([
        { attempt: 1, status: 'failed' },
        { attempt: 2, status: 'failed' },
        { attempt: 3, status: 'sent' },
      ]);
    } finally {
      server.close();
    }
  });

  it('a clinician of another team can neither see, acknowledge, resolve nor comment on the alert (404)', async () => {
    const w = await ward(['alarm_button']);
    const other = await ward([]);
    await publish(w.devices.alarm_button.client, topicFor(w.devices.alarm_button.id, 'events'), { t: Date.now() - 500, type: 'alarm_button', data: {} });
    const [alert] = await waitFor(
      () => alertsOf(w.patientId),
      (r) => r.length === 1,
    );
    for (const [method, path, body] of [
      ['GET', `/api/alerts/${alert.id}`, undefined],
      ['POST', `/api/alerts/${alert.id}/acknowledge`, undefined],
      ['POST', `/api/alerts/${alert.id}/resolve`, { note: 'not mine' }],
      ['POST', `/api/alerts/${alert.id}/comments`, { body: 'hello' }],
      ['GET', `/api/patients/${w.patientId}/alerts`, undefined],
    ] as const) {
      const response = await api.request(method, path, { body, token: other.token });
      expect([path, response.status]).toEqual([path, 404]);
    }
    // Writes about the patient or its team from another team: 404 too, with valid bodies.
    for (const [method, path, body] of [
      ['PUT', `/api/patients/${w.patientId}/thresholds`, { metric: 'hr', yellowHigh: 120 }],
      ['POST', `/api/patients/${w.patientId}/passive`, { reason: 'not mine' }],
      ['PATCH', `/api/teams/${w.teamId}/alert-settings`, { realertSeconds: 60 }],
      ['POST', `/api/teams/${w.teamId}/webhooks`, { url: 'https://example.org/hook' }],
      ['GET', `/api/patients/${w.patientId}/news2`, undefined],
      ['GET', `/api/teams/${w.teamId}/alert-stats`, undefined],
    ] as const) {
      const response = await api.request(method, path, { body, token: other.token });
      expect([path, response.status]).toEqual([path, 404]);
    }
    const inbox = await api.request<{ alerts: AlertWire[] }>('GET', '/api/alerts', { token: other.token });
    expect(inbox.body.alerts).toEqual([]);
    expect((await alertsOf(w.patientId))[0]).toMatchObject({ state: 'open' });

    // Its own team resolves it, with a note, and comments on it.
    const resolved = await api.request<AlertWire>('POST', `/api/alerts/${alert.id}/resolve`, { body: { note: 'pressed by mistake' }, token: w.token });
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: w.clinician.id, note: 'pressed by mistake' });
    expect((await api.request('POST', `/api/alerts/${alert.id}/comments`, { body: { body: 'called the family' }, token: w.token })).status).toBe(201);
    const history = await api.request<{ alerts: AlertWire[] }>('GET', `/api/patients/${w.patientId}/alerts`, { token: w.token });
    expect(history.body.alerts.map((a) => [a.id, a.state])).toEqual([[alert.id, 'resolved']]);
    const audit = await sql<{ action: string }>(platform, `SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id`, [alert.id]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['alert.resolve', 'alert.comment']));
  });

  it('a passive interval suppresses the patient’s alerts while it lasts', async () => {
    const w = await ward(['alarm_button']);
    const passive = await api.request<{ id: string }>('POST', `/api/patients/${w.patientId}/passive`, {
      body: { reason: 'admitted to hospital' },
      token: w.token,
    });
    expect(passive.status).toBe(201);
    const events = topicFor(w.devices.alarm_button.id, 'events');
    const t = Date.now() - 2000;
    await publish(w.devices.alarm_button.client, events, { t, type: 'alarm_button', data: {} });
    await waitFor(
      () => sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM events WHERE patient_id = $1`, [w.patientId]),
      (r) => r[0].n === 1,
    );
    const overview = await api.request<{ patients: Array<{ id: string; passive: Array<{ reason: string }> }> }>('GET', '/api/overview', { token: w.token });
    expect(overview.body.patients.find((p) => p.id === w.patientId)?.passive).toEqual([expect.objectContaining({ reason: 'admitted to hospital' })]);
    const ended = await api.request('POST', `/api/patients/${w.patientId}/passive/${passive.body.id}/end`, { token: w.token });
    expect(ended.status).toBe(200);
    await publish(w.devices.alarm_button.client, events, { t: Date.now(), type: 'alarm_button', data: {} });
    const rows = await waitFor(
      () => alertsOf(w.patientId),
      (r) => r.length === 1,
    );
    expect(rows[0].count).toBe(1); // the press during the interval raised nothing
  });

  it('keeps sustained-for timers over a server restart', async () => {
    const w = await ward(['pulse_oximeter']);
    await api.request('PUT', `/api/patients/${w.patientId}/thresholds`, { body: spo2Threshold, token: w.token });
    const readings = topicFor(w.devices.pulse_oximeter.id, 'readings');
    const t0 = Date.now() - 200_000;
    await publish(w.devices.pulse_oximeter.client, readings, { t: t0, m: { spo2: 90 } });
    await waitFor(
      () => sql<{ state: { breachSince?: number } }>(platform, `SELECT state FROM rule_state WHERE patient_id = $1 AND rule = 'threshold:spo2'`, [w.patientId]),
      (rows) => rows[0]?.state.breachSince === t0,
    );
    await platform.stop();
    platform = await start('vigil-alerts-a');
    api = new ApiClient(platform.baseUrl);
    await publish(w.devices.pulse_oximeter.client, readings, { t: t0 + 60_000, m: { spo2: 90 } });
    await waitFor(
      () => readingsOf(w.patientId),
      (n) => n === 2,
    );
    const rows = await waitFor(
      () => alertsOf(w.patientId, ['threshold']),
      (r) => r.length === 1,
    );
    expect(rows[0]).toMatchObject({ kind: 'threshold', metric: 'spo2', count: 1 });
  });
});
