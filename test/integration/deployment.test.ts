import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../server/src/config/app.config.js';
import { ROOT } from '../support/process.js';

/**
 * docker-compose.yml as Docker Compose reads it (no Docker engine runs here): parsed with the
 * `yaml` package (merge keys on), every variable the Vigil services get checked against the
 * server's config schema, and every image, build, health check, volume and dependency checked
 * to exist.
 */
interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  profiles?: string[];
  ports?: string[];
}
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
const vigilServices = services.filter(([, service]) => service.image === 'vigil:local');
const replicas = services.filter(([name]) => /^server-\d+$/.test(name));

/** deploy/.env.example, the values an operator starts from. */
const example = Object.fromEntries(
  fs
    .readFileSync(path.join(ROOT, 'deploy/.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op?: string, rest?: string) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (op === ':-') return rest ?? '';
    throw new Error(`${name} is required: ${rest}`);
  });
}

describe('docker-compose.yml', () => {
  it('runs two server replicas behind an nginx proxy, a worker, TimescaleDB, Redis with AOF and an authenticated Mosquitto', () => {
    expect(replicas.map(([name]) => name)).toEqual(['server-1', 'server-2']);
    // The built worker (what `npm run worker` runs): the production image has no TypeScript compiler.
    expect(compose.services.worker.command).toEqual(['node', 'server/dist/worker.js']);
    // The replicas leave the alert workers to it.
    for (const replica of ['server-1', 'server-2']) expect(compose.services[replica].environment?.VIGIL_WORKERS).toBe('off');
    expect(compose.services.proxy.image).toMatch(/^nginx:/);
    expect(compose.services.timescaledb.image).toMatch(/^timescale\/timescaledb:/);
    const redis = compose.services.redis.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    const mosquittoConf = fs.readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    expect(mosquittoConf).toMatch(/^allow_anonymous false$/m);
    expect(mosquittoConf).toMatch(/^password_file \/mosquitto\/auth\/passwd$/m);
    // The servers use the broker's own listener for them (own client ids), devices 1883; only 1883 is published.
    for (const [, service] of replicas) expect(new URL(interpolate(service.environment!.MQTT_URL, example)).port).toBe('1884');
    expect(mosquittoConf).toMatch(/^listener 1884$/m);
    expect(compose.services.mosquitto.ports).toEqual(['1883:1883']);
    // HTTP reaches the replicas through the proxy only.
    for (const [, service] of replicas) expect(service.ports).toBeUndefined();
    expect(compose.services.proxy.ports).toEqual(['8080:80']);
  });

  it('gives the Vigil services only variables the server reads, with values it accepts', () => {
    for (const [name, service] of vigilServices) {
      const env = service.environment ?? {};
      expect([name, Object.keys(env).filter((key) => !CONFIG_VARIABLES.includes(key))]).toEqual([name, []]);
      // With deploy/.env.example's values the configuration loads (as the server does at start).
      const resolved = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, interpolate(String(value), example)]));
      expect(() => loadConfig({ ...resolved, VIGIL_SECRET: 'x'.repeat(48) })).not.toThrow();
    }
  });

  it('refuses to start without VIGIL_SECRET, and every variable it interpolates is in deploy/.env.example', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]));
    expect([...used].filter((name) => !(name in example))).toEqual([]);
    const { VIGIL_SECRET: _, ...withoutSecret } = example;
    expect(() => interpolate(compose.services['server-1'].environment!.VIGIL_SECRET, withoutSecret)).toThrow('VIGIL_SECRET is required');
  });

  it('runs the replicas on the exclusive ingest session (kept across a Mosquitto restart), each its own client id, each in the proxy', () => {
    const ids = vigilServices.map(([, service]) => service.environment?.VIGIL_MQTT_CLIENT_ID).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, service] of replicas) expect(service.environment!.VIGIL_MQTT_CLIENT_ID).toMatch(/^vigil-server-\d+$/);
    for (const [, service] of replicas) expect(service.environment!.VIGIL_MQTT_SUBSCRIPTION).toBe('exclusive');
    const nginx = fs.readFileSync(path.join(ROOT, 'deploy/nginx/nginx.conf'), 'utf8');
    const upstream = /upstream vigil \{([^}]*)\}/.exec(nginx)![1];
    expect([...upstream.matchAll(/^\s*server ([a-z0-9-]+):3000/gm)].map((match) => match[1])).toEqual(replicas.map(([name]) => name));
    expect(upstream).toMatch(/^\s*ip_hash;/m); // sticky: socket.io long-polling needs one replica per client
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
  });

  it('gives every service an image or a build that exists, a health check, declared volumes and existing dependencies', () => {
    expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    // Services that serve nothing a probe could ask: one-shot jobs and the worker (restarted when it exits).
    const withoutHealthCheck = ['mosquitto-credentials', 'simulators', 'worker'];
    for (const [name, service] of services) {
      expect([name, Boolean(service.image ?? service.build)]).toEqual([name, true]);
      if (service.build)
        expect(fs.existsSync(path.join(ROOT, typeof service.build === 'string' ? service.build : service.build.context, 'Dockerfile'))).toBe(true);
      if (withoutHealthCheck.includes(name)) expect([name, service.healthcheck?.disable]).toEqual([name, true]);
      else expect([name, service.healthcheck?.test?.[0]]).toEqual([name, expect.stringMatching(/^CMD(-SHELL)?$/)]);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.')) expect([name, source, fs.existsSync(path.join(ROOT, source))]).toEqual([name, source, true]);
        else expect([name, source, source in compose.volumes]).toEqual([name, source, true]);
      }
      for (const dependency of Object.keys(service.depends_on ?? {})) expect([name, dependency in compose.services]).toEqual([name, true]);
    }
    for (const stateful of ['timescaledb', 'redis', 'mosquitto']) {
      expect(compose.services[stateful].volumes!.some((volume) => volume.split(':')[0] in compose.volumes)).toBe(true);
    }
  });
});
