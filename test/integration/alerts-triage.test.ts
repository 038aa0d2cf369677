import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { CLI_ACTOR } from '../../server/src/domain/actor.js';
import type { ReadingRow } from '../../server/src/domain/ingest-batch.js';
import { DeviceRepository } from '../../server/src/repositories/device.repository.js';
import { EventBusRepository } from '../../server/src/repositories/event-bus.repository.js';
import { AlertConfigService } from '../../server/src/services/alert-config.service.js';
import { alertsOf, useAlertPlatform } from '../support/alerts.js';
import { provisionDevices } from '../support/devices.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';
import { waitFor } from '../support/wait.js';

/**
 * The rules' urgent lane (docs/alerts.md, "Rules under load") on the real PostgreSQL: with a
 * backlog of routine evaluations queued first, a patient whose reading crosses a band, and then
 * the same patient whose alert is to clear, is evaluated before the backlog has drained; and at
 * start-up, when a whole ward's devices come online with their first readings, a crossing reading
 * is not evaluated behind them (issue 13's breach tail: they were urgent). Order
 * is read from the database: each evaluation's transaction stamps its patient's rule state
 * (`updated_at` = the transaction's start), so no clock bounds the test.
 */

const ROUTINE = 40;
/** Patients whose devices come online at once in the start-up test. */
const WARD = 80;
const HR = { metric: 'hr', yellowHigh: 110, redHigh: 140, sustainedSeconds: 0, clearMargin: 0, clearAfterSeconds: 0 };

/** The rule state of each patient's `threshold:hr`: the `t` of the last sample evaluated, and the evaluation's transaction start. */
const stamps = (platform: TestPlatform, patients: string[]) =>
  sql<{ patientId: string; lastT: string; at: Date }>(
    platform,
    `SELECT patient_id AS "patientId", state->>'lastT' AS "lastT", updated_at AS at FROM rule_state WHERE patient_id = ANY($1::uuid[]) AND rule = 'threshold:hr'`,
    [patients],
  );

/** Waits until every patient's evaluation of the sample at `t` committed; how many of the others were evaluated before `crossing`. */
async function evaluatedBefore(platform: TestPlatform, others: string[], crossing: string, t: number): Promise<number> {
  const everyone = [...others, crossing];
  const done = await waitFor(
    () => stamps(platform, everyone),
    (s) => s.length === everyone.length && s.every((row) => Number(row.lastT) === t),
    30_000,
    `every patient evaluated at ${t}`,
  );
  const crossingAt = done.find((row) => row.patientId === crossing)!.at.getTime();
  return done.filter((row) => row.patientId !== crossing && row.at.getTime() < crossingAt).length;
}

/**
 * A team with the hr threshold, `size` patients and one more (`crossing`), and `store()`, which
 * hands the rules one stored batch of hr samples (one device) for the patients given, as ingest does.
 */
async function thresholdWard(platform: TestPlatform, size: number) {
  const teamId = await createTeam(platform);
  await platform.app.get(AlertConfigService).setTeamThreshold(CLI_ACTOR, teamId, HR);
  const ward: string[] = [];
  for (let i = 0; i < size; i++) ward.push(await createPatient(platform, teamId));
  const crossing = await createPatient(platform, teamId);
  const device = randomUUID();
  const bus = platform.app.get(EventBusRepository);
  const store = (patients: string[], t: number, value: number) =>
    bus.emit('readings.stored', { rows: patients.map((patientId): ReadingRow => ({ time: new Date(t), patientId, deviceId: device, metric: 'hr', value })) });
  return { ward, crossing, store };
}

describe('alert rules: urgent lane', () => {
  let platform: TestPlatform;
  useAlertPlatform('vigil-alerts-triage', (started) => (platform = started.platform));

  it('evaluates a crossing patient, then its clear, before a backlog of routine patients queued earlier', async () => {
    const { ward: routine, crossing, store } = await thresholdWard(platform, ROUTINE);
    const everyone = [...routine, crossing];
    const routineBeforeCrossing = (t: number) => evaluatedBefore(platform, routine, crossing, t);

    // A first round: this instance evaluates every patient once (and learns each one's context for triage).
    const t0 = Date.now() - 60_000;
    store(everyone, t0, 70);
    await routineBeforeCrossing(t0);

    // The routine backlog is queued first (one stored batch), the crossing reading after it (the next batch).
    store(routine, t0 + 1000, 72);
    store([crossing], t0 + 1000, 120);
    const beforeBreach = await routineBeforeCrossing(t0 + 1000);
    // First come, first served would have evaluated all 40 before it; the urgent lane starts it at once
    // (only the routine evaluations already running when it came are ahead of it).
    expect(beforeBreach).toBeLessThan(ROUTINE / 4);
    const [opened] = await alertsOf(platform, crossing, ['threshold']);
    expect(opened).toMatchObject({ metric: 'hr', priority: 'medium', state: 'open', value: 120 });

    // Its alert is under way, so its in-band reading (the clear) is urgent too, though it breaches nothing.
    store(routine, t0 + 2000, 74);
    store([crossing], t0 + 2000, 70);
    const beforeClear = await routineBeforeCrossing(t0 + 2000);
    expect(beforeClear).toBeLessThan(ROUTINE / 4);
    expect(await alertsOf(platform, crossing, ['threshold'])).toEqual([expect.objectContaining({ id: opened.id, state: 'resolved', cleared: true })]);

    // Nothing was raised for the routine patients, and every sample was evaluated (their state saw the last one).
    const routineAlerts = await sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM alerts WHERE patient_id = ANY($1::uuid[])`, [routine]);
    expect(routineAlerts[0].n).toBe(0);
  });

  it('evaluates a crossing reading before a ward of devices coming online, at start-up when it knows none of the patients', async () => {
    const teamId = await createTeam(platform);
    await platform.app.get(AlertConfigService).setTeamThreshold(CLI_ACTOR, teamId, HR);
    const deviceOf = new Map<string, string>();
    const patient = async () => {
      const patientId = await createPatient(platform, teamId);
      deviceOf.set(patientId, (await provisionDevices(platform, 1, patientId))[0].id);
      return patientId;
    };
    const ward: string[] = [];
    for (let i = 0; i < WARD; i++) ward.push(await patient());
    const crossing = await patient();

    // Every device is heard for the first time (as after a restart of the server or the network): the ingest writer
    // marks it seen in the batch's transaction, then announces the batch's readings and the devices that came online.
    const t = Date.now();
    const devices = platform.app.get(DeviceRepository);
    const bus = platform.app.get(EventBusRepository);
    const batch = async (patients: string[], value: number) => {
      const cameOnline = await devices.markSeen(patients.map((patientId) => ({ deviceId: deviceOf.get(patientId)!, at: new Date(t) })));
      expect(cameOnline).toHaveLength(patients.length);
      return () => {
        bus.emit('readings.stored', {
          rows: patients.map((patientId): ReadingRow => ({ time: new Date(t), patientId, deviceId: deviceOf.get(patientId)!, metric: 'hr', value })),
        });
        bus.emit('statuses.stored', { rows: cameOnline.map((deviceId) => ({ deviceId, online: true, receivedAt: new Date(t) })) });
      };
    };
    const [wardBatch, crossingBatch] = [await batch(ward, 72), await batch([crossing], 120)];
    wardBatch();
    crossingBatch();

    // Were the devices' coming online urgent, the crossing patient would be evaluated behind the whole ward (first
    // come, first served in the urgent lane); it waits only for the evaluations already running and those that
    // start while triage reads the patients' contexts.
    const wardBefore = await evaluatedBefore(platform, ward, crossing, t);
    expect(wardBefore).toBeLessThan(WARD / 4);
    expect(await alertsOf(platform, crossing, ['threshold'])).toEqual([expect.objectContaining({ metric: 'hr', state: 'open', value: 120 })]);
    // The devices came online: nothing was raised for the ward (no device_offline either), and each evaluated its sample.
    const wardAlerts = await sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM alerts WHERE patient_id = ANY($1::uuid[])`, [ward]);
    expect(wardAlerts[0].n).toBe(0);
  });

  it('evaluates a crossing reading before a ward of alerts clearing at once (urgent work queued earlier)', async () => {
    const { ward, crossing, store } = await thresholdWard(platform, WARD);
    const wardAlerts = (state: string) =>
      sql<{ n: number }>(platform, `SELECT count(*)::int AS n FROM alerts WHERE patient_id = ANY($1::uuid[]) AND kind = 'threshold' AND state = $2`, [
        ward,
        state,
      ]);

    // Every patient evaluated once (triage knows them all), then the whole ward raised: each has an alert to clear.
    const t0 = Date.now() - 60_000;
    store([...ward, crossing], t0, 70);
    await evaluatedBefore(platform, ward, crossing, t0);
    store(ward, t0 + 1000, 120);
    await waitFor(
      () => wardAlerts('open'),
      ([row]) => row.n === WARD,
      30_000,
      'an hr alert for each of the ward',
    );

    // The ward's clears are queued first (urgent: under way), the crossing reading after them.
    store(ward, t0 + 2000, 72);
    store([crossing], t0 + 2000, 120);
    // First come, first served in the urgent lane would evaluate it behind the whole ward; the crossing lane runs it
    // next (only the evaluations already running when it came are ahead of it).
    expect(await evaluatedBefore(platform, ward, crossing, t0 + 2000)).toBeLessThan(WARD / 4);
    expect(await alertsOf(platform, crossing, ['threshold'])).toEqual([expect.objectContaining({ metric: 'hr', state: 'open', value: 120 })]);
    await waitFor(
      () => wardAlerts('resolved'),
      ([row]) => row.n === WARD,
      30_000,
      'every alert of the ward cleared',
    );
  });
});
