import { MOSQUITTO_COUNTER_TOPICS } from './broker-counters.js';
import { CANARY_TOPIC } from './canary.js';
import { DEVICE_ID, MESSAGE_KINDS, SERVER_SUBSCRIPTIONS, topicFor } from './protocol.js';

/**
 * The two files an external Mosquitto 2 checks clients with (password_file, acl_file), as
 * `vigil mosquitto export` writes them. The ACL is topic-rights.ts in Mosquitto's syntax;
 * deploy/mosquitto/acl is the same file, explained line by line, for the server user
 * `vigil-server`.
 */

export const DEFAULT_SERVER_USER = 'vigil-server';

/**
 * A name the Vigil server can connect as: one both files can hold (no `:`, spaces or line
 * breaks), no topic wildcard (Mosquitto then denies it every `pattern` rule), and never a device
 * id, so the server's rights and a device's cannot be confused.
 */
export function isServerUser(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) && !DEVICE_ID.test(name);
}

export interface PasswdEntry {
  username: string;
  /** A Mosquitto hash (`$7$…`): the password itself is never written. */
  hash: string;
}

export function mosquittoPasswd(entries: readonly PasswdEntry[]): string {
  const header = ['# Mosquitto password file written by `vigil mosquitto export`; the next export replaces it.'];
  return lines([...header, ...entries.map(({ username, hash }) => `${username}:${hash}`)]);
}

/**
 * Mosquitto checks `read` when it delivers a message, against the topic it was published on,
 * and does not check SUBSCRIBE against the ACL file: the server's shared subscriptions
 * (`$share/<group>/vigil/v1/devices/+/readings`, …) therefore need no `$share` rule.
 */
export function mosquittoAcl(serverUser: string): string {
  return lines([
    '# Mosquitto ACL written by `vigil mosquitto export` (device protocol v1; deploy/mosquitto/acl explains each rule).',
    '',
    '# The Vigil server: reads what every device sends, writes commands to any device.',
    `user ${serverUser}`,
    ...SERVER_SUBSCRIPTIONS.map((filter) => `topic read ${filter}`),
    `topic write ${topicFor('+', 'commands')}`,
    "# ... publishes the ingest canary of its virtual device, and reads the broker's own counters.",
    `topic write ${CANARY_TOPIC}`,
    ...MOSQUITTO_COUNTER_TOPICS.map((topic) => `topic read ${topic}`),
    '',
    '# Every device (username = device id): publishes only under its own id, reads only its own commands.',
    ...MESSAGE_KINDS.map((kind) => `pattern write ${topicFor('%u', kind)}`),
    `pattern read ${topicFor('%u', 'commands')}`,
  ]);
}

const lines = (all: string[]) => `${all.join('\n')}\n`;

/** Where a local run of the shipped mosquitto.conf listens and keeps its files. */
export interface LocalMosquitto {
  port: number;
  /** The servers' listener (1884 in Compose), which keeps the client ids that clients send; none when absent. */
  serverPort?: number;
  /** Persistence folder (with a trailing slash or without). */
  dataDir: string;
  /** The exported files; without them the broker lets anonymous clients in. */
  auth?: { passwordFile: string; aclFile: string };
  /** Options replaced or added (e.g. smaller queue limits for a test). */
  overrides?: Record<string, string | number>;
}

/** Lines of deploy/mosquitto/mosquitto.conf that name the container's listener, files and log. */
const LOCAL_REPLACED = new Set(['listener', 'protocol', 'password_file', 'acl_file', 'allow_anonymous', 'persistence_location', 'log_dest']);

/**
 * The shipped mosquitto.conf (deploy/mosquitto) as a broker on this machine runs it: every
 * queue, flow-control and persistence setting as shipped, with the listener on 127.0.0.1:port,
 * its own persistence folder and the exported password file and ACL. Tests and the benchmark
 * run Mosquitto on this, so what they measure is the shipped configuration.
 */
export function localMosquittoConf(shipped: string, local: LocalMosquitto): string {
  const overrides = new Map(Object.entries(local.overrides ?? {}).map(([key, value]) => [key, String(value)]));
  const kept = shipped
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .filter((line) => {
      const key = line.split(/\s+/)[0];
      return !LOCAL_REPLACED.has(key) && !overrides.has(key);
    });
  const dataDir = local.dataDir.endsWith('/') ? local.dataDir : `${local.dataDir}/`;
  // The listener right after per_listener_settings: Mosquitto opens a default listener on 1883
  // for a listener option (e.g. use_username_as_clientid) met before any `listener` line.
  const first = kept.filter((line) => line.startsWith('per_listener_settings'));
  return lines([
    ...first,
    `listener ${local.port} 127.0.0.1`,
    ...kept.filter((line) => !first.includes(line)),
    `persistence_location ${dataDir}`,
    'log_dest stderr',
    ...(local.auth ? ['allow_anonymous false', `password_file ${local.auth.passwordFile}`, `acl_file ${local.auth.aclFile}`] : ['allow_anonymous true']),
    ...[...overrides].map(([key, value]) => `${key} ${value}`),
    // Last, as shipped: listener options above belong to the devices' listener, not to this one.
    ...(local.serverPort ? [`listener ${local.serverPort} 127.0.0.1`] : []),
  ]);
}
