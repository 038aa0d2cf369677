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
    '',
    '# Every device (username = device id): publishes only under its own id, reads only its own commands.',
    ...MESSAGE_KINDS.map((kind) => `pattern write ${topicFor('%u', kind)}`),
    `pattern read ${topicFor('%u', 'commands')}`,
  ]);
}

const lines = (all: string[]) => `${all.join('\n')}\n`;
