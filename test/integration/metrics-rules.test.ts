import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { startShippedMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ROOT } from '../support/process.js';
import { startTestRedis } from '../support/redis.js';

/**
 * deploy/prometheus/vigil-rules.yml against a running server with an external broker (so the
 * broker metrics exist too): every vigil_ metric a rule names is one the server exposes, so a
 * renamed metric cannot leave an alerting rule that silently never fires.
 */
interface Rule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}
const rules = (parse(fs.readFileSync(path.join(ROOT, 'deploy/prometheus/vigil-rules.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap(
  (g) => g.rules,
);

/** A histogram's series are named after it with these suffixes. */
const metricOf = (series: string) => series.replace(/_(bucket|sum|count)$/, '');

describe('Prometheus alerting rules', () => {
  let database: TestDatabase;
  let mosquitto: TestMosquitto & { serverUrl: string };
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let platform: TestPlatform;
  let exposed: Set<string>;

  beforeAll(async () => {
    [database, mosquitto, redis] = await Promise.all([createTestDatabase(), startShippedMosquitto(), startTestRedis()]);
    platform = await startTestPlatform({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      MQTT_URL: mosquitto.serverUrl,
      VIGIL_MQTT_CLIENT_ID: 'vigil-rules-test',
    });
    const text = await (await fetch(`${platform.baseUrl}/metrics`)).text();
    exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  });

  afterAll(async () => {
    await platform?.close();
    await Promise.all([database?.drop(), mosquitto?.remove(), redis?.stop()]);
  });

  it('has rules, each with a severity and a summary', () => {
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(critical|warning)$/)]);
      expect(rule.annotations?.summary).toBeTruthy();
    }
  });

  it('names only metrics a running server exposes', () => {
    const named = rules.flatMap((rule) => [...rule.expr.matchAll(/\bvigil_[a-z0-9_]+/g)].map((m) => ({ alert: rule.alert, metric: metricOf(m[0]) })));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter(({ metric }) => !exposed.has(metric))).toEqual([]);
  });
});
