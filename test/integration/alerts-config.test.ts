import { describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { topicFor } from '../../server/src/domain/protocol.js';
import { ALERT_QUEUE, escalationJobId, JobRepository } from '../../server/src/repositories/job.repository.js';
import { type AlertStack, alertsOf, createWard, fallAlert, useAlertPlatform } from '../support/alerts.js';
import { ApiClient, createUser } from '../support/auth.js';
import { publish } from '../support/devices.js';
import { sql, startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * Alert configuration over REST and the job queue's isolation (real PostgreSQL, Redis,
 * Mosquitto): the duty roster per team, the escalation chain set by an admin, removing a threshold (back to the team default), and
 * two installations on one Redis, each with a queue of its own.
 */
describe('alert configuration and the installation’s queue', () => {
  let stack: AlertStack;
  let platform: TestPlatform;
  let api: ApiClient;
  useAlertPlatform('vigil-alert-config', (started) => ({ stack, platform, api } = started));

  const audited = (action: string, targetId: string) =>
    waitFor(
      () =>
        sql<{ action: string; patient_id: string | null }>(platform, `SELECT action, patient_id FROM audit_log WHERE action = $1 AND target_id = $2`, [
          action,
          targetId,
        ]),
      (rows) => rows.length > 0,
      10_000,
      `audit entry ${action}`,
    );

  it('reads and replaces a team’s duty roster: validated, audited, clinicians and admins only, another team’s is 404', async () => {
    const w = await createWard(stack, platform, []);
    const other = await createWard(stack, platform, []);
    const path = `/api/teams/${w.teamId}/roster`;
    expect((await api.request('GET', path, { token: w.token })).body).toEqual({ teamId: w.teamId, entries: [] });

    const entries = [
      { userId: w.careStaff.id, weekday: 1, fromMinute: 7 * 60, toMinute: 15 * 60 },
      { userId: w.clinician.id, weekday: 0, fromMinute: 0, toMinute: 1440 },
    ];
    const replaced = await api.request('PUT', path, { body: { entries }, token: w.token });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({
      teamId: w.teamId,
      entries: [
        { ...entries[1], email: w.clinician.email },
        { ...entries[0], email: w.careStaff.email },
      ],
    });
    const [entry] = await audited('roster.replace', w.teamId);
    expect(entry.patient_id).toBeNull();

    for (const [bad, field] of [
      [{ ...entries[0], toMinute: 7 * 60 }, 'entries.0.toMinute'],
      [{ ...entries[0], weekday: 7 }, 'entries.0.weekday'],
      [{ ...entries[0], userId: other.clinician.id }, 'entries.0.userId'], // not a member of this team
      [{ ...entries[0], shift: 'late' }, 'entries.0'],
    ] as const) {
      const refused = await api.request<{ errors: Array<{ field: string }> }>('PUT', path, { body: { entries: [bad] }, token: w.token });
      expect([refused.status, refused.body.errors.map((e) => e.field)]).toEqual([400, [field]]);
    }

    // Care staff read it (whom an alert reaches) but do not change it; another team sees nothing.
    const care = new ApiClient(platform.baseUrl);
    const careToken = (await care.signIn(w.careStaff)).accessToken;
    expect((await care.request('GET', path, { token: careToken })).status).toBe(200);
    expect((await care.request('PUT', path, { body: { entries: [] }, token: careToken })).status).toBe(403);
    expect((await api.request('GET', path, { token: other.token })).status).toBe(404);
    expect((await api.request('PUT', path, { body: { entries: [] }, token: other.token })).status).toBe(404);
    expect((await api.request('GET', `/api/teams/${crypto.randomUUID()}/roster`, { token: w.token })).status).toBe(404);

    // An admin staffs every team.
    const admin = await createUser(platform, 'admin');
    const adminToken = (await new ApiClient(platform.baseUrl).signIn(admin)).accessToken;
    expect((await api.request('PUT', path, { body: { entries: [entries[0]] }, token: adminToken })).body).toMatchObject({ entries: [entries[0]] });
    expect((await api.request('GET', path, { token: w.token })).body).toMatchObject({ entries: [entries[0]] });
  });

  it('an admin reads any team’s alert settings and sets its escalation chain, but not its clinical settings', async () => {
    const w = await createWard(stack, platform, []);
    const path = `/api/teams/${w.teamId}/alert-settings`;
    const admin = await createUser(platform, 'admin');
    const adminToken = (await new ApiClient(platform.baseUrl).signIn(admin)).accessToken;
    expect((await api.request('GET', path, { token: adminToken })).body).toMatchObject({ teamId: w.teamId, escalationLevels: [] });

    const chain = { escalation: `care_staff@0,${w.clinician.email}@600`, escalationRepeats: 2 };
    const changed = await api.request('PATCH', path, { body: chain, token: adminToken });
    expect([changed.status, changed.body]).toEqual([
      200,
      expect.objectContaining({
        escalationLevels: [
          { role: 'care_staff', afterSeconds: 0 },
          { userEmail: w.clinician.email, afterSeconds: 600 },
        ],
        escalationRepeats: 2,
      }),
    ]);
    const [entry] = await audited('alert.settings.update', w.teamId);
    expect(entry.patient_id).toBeNull();
    expect((await api.request('GET', path, { token: w.token })).body).toMatchObject({ escalationRepeats: 2 });

    // Night hours, graces and re-alerting stay the clinicians' (a body with one of them changes nothing).
    const clinical = await api.request<{ message: string }>('PATCH', path, {
      body: { ...chain, escalationRepeats: 0, nightStartMinute: 21 * 60 },
      token: adminToken,
    });
    expect([clinical.status, clinical.body.message]).toEqual([403, expect.stringContaining('nightStartMinute')]);
    expect((await api.request('GET', path, { token: w.token })).body).toMatchObject({ escalationRepeats: 2 });
    // Care staff still change nothing, and another team's clinician sees nothing.
    const care = new ApiClient(platform.baseUrl);
    expect((await care.request('PATCH', path, { body: chain, token: (await care.signIn(w.careStaff)).accessToken })).status).toBe(403);
    const other = await createWard(stack, platform, []);
    expect((await api.request('GET', path, { token: other.token })).status).toBe(404);
  });

  it('removing a patient’s threshold puts the team default back in force (audited); another team gets 404', async () => {
    const w = await createWard(stack, platform, ['wearable']);
    const other = await createWard(stack, platform, []);
    const put = (path: string, body: Record<string, unknown>) => api.request('PUT', path, { body, token: w.token });
    expect((await put(`/api/teams/${w.teamId}/thresholds`, { metric: 'hr', yellowHigh: 100 })).status).toBe(200);
    expect((await put(`/api/patients/${w.patientId}/thresholds`, { metric: 'hr', yellowHigh: 150 })).status).toBe(200);

    const patientPath = `/api/patients/${w.patientId}/thresholds/hr`;
    expect((await api.request('DELETE', patientPath, { token: other.token })).status).toBe(404);
    expect((await api.request('DELETE', `/api/teams/${w.teamId}/thresholds/hr`, { token: other.token })).status).toBe(404);
    const bad = await api.request<{ errors: Array<{ field: string }> }>('DELETE', `/api/patients/${w.patientId}/thresholds/pulse`, { token: w.token });
    expect([bad.status, bad.body.errors.map((e) => e.field)]).toEqual([400, ['metric']]);

    expect((await api.request('DELETE', patientPath, { token: w.token })).status).toBe(204);
    expect((await api.request('DELETE', patientPath, { token: w.token })).status).toBe(404);
    expect((await api.request('GET', `/api/patients/${w.patientId}/thresholds`, { token: w.token })).body).toEqual({ thresholds: [] });
    const [entry] = await audited('threshold.remove', 'hr');
    expect(entry.patient_id).toBe(w.patientId);

    // 120 is inside the patient's removed 150 but above the team's 100: the team default raises it.
    await publish(w.devices.wearable.client, topicFor(w.devices.wearable.id, 'readings'), { t: Date.now(), m: { hr: 120 } });
    const [alert] = await waitFor(
      () => alertsOf(platform, w.patientId, ['threshold']),
      (rows) => rows.length === 1,
    );
    expect(alert).toMatchObject({ metric: 'hr', priority: 'medium', value: 120 });
    expect((await api.request('DELETE', `/api/teams/${w.teamId}/thresholds/hr`, { token: w.token })).status).toBe(204);
    expect((await api.request('GET', `/api/teams/${w.teamId}/thresholds`, { token: w.token })).body).toEqual({ thresholds: [] });
  });

  it('two installations on one Redis each have their own queue: neither takes the other’s jobs', async () => {
    // A second installation (its own database) on the same Redis; its servers run no workers at first.
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, REDIS_URL: stack.redis.url, VIGIL_QUEUE_PREFIX: '{vigil-second}' };
    const second = await startTestPlatform({ ...env, VIGIL_WORKERS: 'off' });
    const connection = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
    const queues = new Map<TestPlatform, Queue>();
    const queueOf = (on: TestPlatform) => {
      if (!queues.has(on)) queues.set(on, new Queue(ALERT_QUEUE, { connection, prefix: on.app.get(JobRepository).prefix }));
      return queues.get(on)!;
    };
    try {
      const [installation] = await sql<{ id: string }>(platform, 'SELECT id FROM installation');
      expect(platform.app.get(JobRepository).prefix).toBe(`{vigil:${installation.id}}`);
      expect(second.app.get(JobRepository).prefix).toBe('{vigil-second}');

      // A fall in each installation, the second's first: each opens its alert and queues its level-0 escalation.
      const deliveries = (on: TestPlatform, alertId: string) =>
        sql<{ recipient: string }>(on, `SELECT recipient FROM alert_deliveries WHERE alert_id = $1`, [alertId]);
      const theirs = await fallAlert(second);
      const theirJob = escalationJobId(theirs.alertId, 0, 0);
      await waitFor(
        () => queueOf(second).getJob(theirJob),
        (job) => job !== undefined,
      );
      const ours = await fallAlert(platform);
      await waitFor(
        () => deliveries(platform, ours.alertId),
        (rows) => rows.length === 1,
        10_000,
        'this installation’s worker delivering its own alert',
      );
      // This installation's worker, busy with its own queue, left the other's job alone (it was queued first).
      expect(await (await queueOf(second).getJob(theirJob))!.getState()).toBe('waiting');
      expect(await queueOf(platform).getJob(theirJob)).toBeUndefined();
      expect(await deliveries(second, theirs.alertId)).toEqual([]);

      // The second installation's own worker takes it.
      const worker = await startTestPlatform(env);
      try {
        await waitFor(
          () => deliveries(second, theirs.alertId),
          (rows) => rows.length === 1,
          10_000,
          'the second installation’s worker delivering its alert',
        );
        expect(await deliveries(second, theirs.alertId)).toEqual([{ recipient: theirs.staff.email }]);
      } finally {
        await worker.close();
      }
    } finally {
      for (const queue of queues.values()) await queue.close();
      connection.disconnect();
      await second.close();
      await database.drop();
    }
  });
});
