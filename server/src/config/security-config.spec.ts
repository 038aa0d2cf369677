import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app.config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv/vigil');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('security settings in the environment', () => {
  it('defaults to same-origin only, no trusted proxy and a 15-minute lockout', () => {
    expect(loadConfig({})).toMatchObject({ http: { corsOrigins: [], trustProxy: false }, auth: { secret: undefined, lockoutSeconds: 900 } });
  });

  it('reads them', () => {
    const config = loadConfig({
      VIGIL_SECRET: 'k'.repeat(32),
      VIGIL_CORS_ORIGINS: 'https://a.example.org, http://localhost:5173',
      VIGIL_TRUST_PROXY: '2',
      VIGIL_LOCKOUT_SECONDS: '60',
    });
    expect(config.http).toEqual({ corsOrigins: ['https://a.example.org', 'http://localhost:5173'], trustProxy: 2 });
    expect(config.auth).toEqual({ secret: 'k'.repeat(32), lockoutSeconds: 60 });
    expect(loadConfig({ VIGIL_TRUST_PROXY: 'loopback' }).http.trustProxy).toBe('loopback');
    expect(loadConfig({ VIGIL_TRUST_PROXY: 'off' }).http.trustProxy).toBe(false);
  });

  it('never prints the value of a bad secret', () => {
    expect(problems({ VIGIL_SECRET: 'too-short-secret' })).toEqual([
      'VIGIL_SECRET: expected at least 32 characters (e.g. openssl rand -base64 48) (got 16 characters)',
    ]);
    expect(problems({ VIGIL_BROKER_AUTH_TOKEN: 'short-token' })).toEqual([expect.stringMatching(/^VIGIL_BROKER_AUTH_TOKEN: .*\(got 11 characters\)$/)]);
  });

  it.each([
    ['DATABASE_URL', 'mysql://vigil:db-s3cret@db:3306/vigil', '"mysql://vigil:***@db:3306/vigil"'],
    ['REDIS_URL', 'http://:redis-s3cret@cache:6379', '"http://:***@cache:6379/"'],
    ['MQTT_URL', 'http://vigil:mqtt-s3cret@broker', '"http://vigil:***@broker/"'],
    ['VIGIL_PUBLIC_URL', 'ftp://me:web-s3cret@vigil.example.org', '"ftp://me:***@vigil.example.org/"'],
  ])('prints a bad URL in %s without its password', (name, value, got) => {
    const [problem] = problems({ [name]: value });
    expect(problem).toMatch(new RegExp(`^${name}: expected a URL like .* \\(got ${got.replace(/[.*/]/g, '\\$&')}\\)$`));
    expect(problem).not.toContain('s3cret');
  });

  it('prints an unparseable value of a URL variable by its length only', () => {
    expect(problems({ DATABASE_URL: 'postgres//vigil:db-s3cret@db/vigil' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: expected a URL like .*\(got 34 characters\)$/),
    ]);
    expect(problems({ MQTT_URL: 'vigil:mqtt-s3cret@broker:1883' })).toEqual([expect.stringMatching(/^MQTT_URL: .*\(got 29 characters\)$/)]);
  });

  it('still prints a bad value that is neither a secret nor a URL', () => {
    expect(problems({ VIGIL_TRUST_PROXY: 'sometimes' })).toEqual([expect.stringMatching(/ \(got "sometimes"\)$/)]);
  });

  it.each([
    [{ VIGIL_SECRET: 'change-me-to-a-random-value-of-at-least-32-characters' }, 'VIGIL_SECRET'],
    [{ VIGIL_CORS_ORIGINS: 'dashboard.example.org' }, 'VIGIL_CORS_ORIGINS'],
    [{ VIGIL_CORS_ORIGINS: 'ftp://x.example.org' }, 'VIGIL_CORS_ORIGINS'],
    [{ VIGIL_TRUST_PROXY: 'yes' }, 'VIGIL_TRUST_PROXY'],
    [{ VIGIL_LOCKOUT_SECONDS: '0' }, 'VIGIL_LOCKOUT_SECONDS'],
  ])('refuses %j naming the variable', (env, name) => {
    const [problem] = problems(env);
    expect(problem).toMatch(new RegExp(`^${name}: `));
  });
});
