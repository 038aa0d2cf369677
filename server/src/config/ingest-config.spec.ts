import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app.config.js';

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv/vigil');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
};

describe('loadConfig: ingest and external broker', () => {
  it('has defaults for every ingest setting', () => {
    const config = loadConfig({}, '/srv/vigil');
    expect(config.ingest).toEqual({ batchRows: 5000, batchMs: 20, writers: 2, maxInFlight: 10_000, copy: true, deviceCacheSeconds: 60, stallSeconds: 60 });
    expect(config.mqtt).toMatchObject({ shareGroup: 'vigil', consumers: 1, canaryMs: 5000, subscription: 'shared', exclusiveClientId: 'vigil-ingest' });
    expect(config.mqtt.clientId).toMatch(/^vigil-[A-Za-z0-9_.:-]+$/);
    expect(config.brokerAuthToken).toBeUndefined();
  });

  it('reads the ingest variables', () => {
    const config = loadConfig(
      {
        VIGIL_INGEST_BATCH_ROWS: '1000',
        VIGIL_INGEST_BATCH_MS: '5',
        VIGIL_INGEST_WRITERS: '4',
        VIGIL_INGEST_MAX_IN_FLIGHT: '65535',
        VIGIL_INGEST_COPY: 'off',
        VIGIL_DEVICE_CACHE_SECONDS: '3600',
        VIGIL_INGEST_STALL_SECONDS: '15',
        VIGIL_MQTT_CLIENT_ID: 'vigil-server-1',
        VIGIL_MQTT_SHARE_GROUP: 'ward_a',
        VIGIL_MQTT_CONSUMERS: '8',
        VIGIL_MQTT_CANARY_SECONDS: '2',
        VIGIL_BROKER_AUTH_TOKEN: 'x'.repeat(24),
      },
      '/srv/vigil',
    );
    expect(config.ingest).toEqual({ batchRows: 1000, batchMs: 5, writers: 4, maxInFlight: 65_535, copy: false, deviceCacheSeconds: 3600, stallSeconds: 15 });
    expect(config.mqtt).toMatchObject({ clientId: 'vigil-server-1', shareGroup: 'ward_a', consumers: 8, canaryMs: 2000 });
    expect(config.brokerAuthToken).toBe('x'.repeat(24));
  });

  it('reads the exclusive subscription: one session per group, named after it', () => {
    const config = loadConfig({ VIGIL_MQTT_SUBSCRIPTION: 'exclusive', VIGIL_MQTT_SHARE_GROUP: 'ward_a' }, '/srv/vigil');
    expect(config.mqtt).toMatchObject({ subscription: 'exclusive', exclusiveClientId: 'ward_a-ingest', consumers: 1 });
  });

  it.each([
    [{ VIGIL_INGEST_BATCH_ROWS: '0' }, /^VIGIL_INGEST_BATCH_ROWS: expected a positive number of rows/],
    [{ VIGIL_INGEST_BATCH_MS: '1.5' }, /^VIGIL_INGEST_BATCH_MS: expected a whole number of milliseconds/],
    [{ VIGIL_INGEST_MAX_IN_FLIGHT: '70000' }, /^VIGIL_INGEST_MAX_IN_FLIGHT: expected at most 65535/],
    [{ VIGIL_INGEST_COPY: 'sometimes' }, /^VIGIL_INGEST_COPY: expected on or off/],
    [{ VIGIL_INGEST_STALL_SECONDS: '0' }, /^VIGIL_INGEST_STALL_SECONDS: expected a positive number of seconds/],
    [{ VIGIL_MQTT_CLIENT_ID: 'has space' }, /^VIGIL_MQTT_CLIENT_ID: expected 1 to 64 letters/],
    [{ VIGIL_MQTT_SHARE_GROUP: 'a/b' }, /^VIGIL_MQTT_SHARE_GROUP: expected 1 to 32 letters/],
    [{ VIGIL_MQTT_CONSUMERS: '0' }, /^VIGIL_MQTT_CONSUMERS: expected a positive number of connections/],
    [{ VIGIL_MQTT_CONSUMERS: '65' }, /^VIGIL_MQTT_CONSUMERS: expected at most 64 connections/],
    [{ VIGIL_MQTT_SUBSCRIPTION: 'partitioned' }, /^VIGIL_MQTT_SUBSCRIPTION: expected shared or exclusive/],
    [{ VIGIL_MQTT_SUBSCRIPTION: 'exclusive', VIGIL_MQTT_CONSUMERS: '2' }, /^VIGIL_MQTT_CONSUMERS: expected 1 with VIGIL_MQTT_SUBSCRIPTION exclusive/],
    [{ VIGIL_MQTT_CANARY_SECONDS: 'often' }, /^VIGIL_MQTT_CANARY_SECONDS: expected a whole number of seconds/],
    [{ VIGIL_BROKER_AUTH_TOKEN: 'short' }, /^VIGIL_BROKER_AUTH_TOKEN: expected at least 24 characters/],
  ])('refuses %j', (env, message) => {
    expect(problem(env)).toMatch(message);
  });
});
