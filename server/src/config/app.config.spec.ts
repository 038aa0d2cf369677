import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app.config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv/vigil');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/vigil');
    expect(config).toMatchObject({
      port: 3000,
      dataDir: '/srv/vigil/data',
      logLevel: 'info',
      database: { url: undefined, dialect: 'auto' },
      redis: { url: undefined },
      mqtt: { url: undefined, embeddedPort: 1883, embeddedPortExplicit: false },
      live: { maxBufferBytes: 1_048_576, sessionCheckSeconds: 30, pingIntervalSeconds: 10, pingTimeoutSeconds: 5 },
      retentionDays: 730,
      demo: true,
      demoExplicit: false,
      demoSpeed: 60,
      publicUrl: 'http://localhost:3000',
    });
  });

  it('reads every variable of the operator contract', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        DATABASE_URL: 'postgres://vigil:pw@db:5432/vigil',
        REDIS_URL: 'redis://cache:6379',
        MQTT_URL: 'mqtt://broker:1883',
        DATA_DIR: '/var/lib/vigil',
        VIGIL_MQTT_PORT: '11883',
        LOG_LEVEL: 'debug',
        VIGIL_RETENTION_DAYS: '365',
        VIGIL_DEMO: 'off',
        VIGIL_DEMO_SPEED: '1',
        VIGIL_DIALECT: 'postgresql',
      },
      '/srv/vigil',
    );
    expect(config).toMatchObject({
      port: 8080,
      dataDir: '/var/lib/vigil',
      logLevel: 'debug',
      database: { url: 'postgres://vigil:pw@db:5432/vigil', dialect: 'postgresql' },
      redis: { url: 'redis://cache:6379' },
      mqtt: { url: 'mqtt://broker:1883', embeddedPort: 11883, embeddedPortExplicit: true },
      retentionDays: 365,
      demo: false,
      demoExplicit: true,
      demoSpeed: 1,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }, '/x')).toMatchObject({ port: 3000, database: { url: undefined } });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT: expected a whole number .* \(got "abc"\)$/],
    [{ PORT: '70000' }, /^PORT: expected a port between 1 and 65535/],
    [{ PORT: '0' }, /^PORT: expected a port between 1 and 65535/],
    [{ DATABASE_URL: 'nonsense' }, /^DATABASE_URL: expected a URL like postgres:\/\//],
    [{ DATABASE_URL: 'mysql://db/vigil' }, /^DATABASE_URL: expected a URL like postgres:\/\//],
    [{ REDIS_URL: 'localhost:6379' }, /^REDIS_URL: expected a URL like redis:\/\//],
    [{ MQTT_URL: 'http://broker' }, /^MQTT_URL: expected a URL like mqtt:\/\//],
    [{ VIGIL_MQTT_PORT: '-1' }, /^VIGIL_MQTT_PORT: expected a whole number/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ VIGIL_RETENTION_DAYS: '0' }, /^VIGIL_RETENTION_DAYS: expected a positive number of days/],
    [{ VIGIL_DEMO: 'maybe' }, /^VIGIL_DEMO: expected on or off/],
    [{ VIGIL_DEMO_SPEED: '0' }, /^VIGIL_DEMO_SPEED: expected a positive number of simulated seconds per second/],
    [{ VIGIL_DIALECT: 'timescale' }, /^VIGIL_DIALECT: expected auto, timescaledb or postgresql \(got "timescale"\)$/],
  ])('names the variable and the problem in one line: %j', (env, line) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(line);
  });

  it('reports every bad variable, one line each', () => {
    expect(
      problems({ PORT: 'abc', DATABASE_URL: 'nonsense' })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['DATABASE_URL', 'PORT']);
  });
});
