import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CANARY_TOPIC } from './canary.js';
import { isServerUser, localMosquittoConf, mosquittoAcl, mosquittoPasswd } from './mosquitto-files.js';
import { deviceMay, serverMay } from './topic-rights.js';

const rules = (text: string) => text.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
const committedAcl = fs.readFileSync(new URL('../../../deploy/mosquitto/acl', import.meta.url), 'utf8');
const DEVICE = '3f2a9c1e-4b7d-4e21-9a55-0c6f1d2b8e77';

describe('mosquittoAcl', () => {
  it('has the rules of deploy/mosquitto/acl for the default server user', () => {
    expect(rules(mosquittoAcl('vigil-server'))).toEqual(rules(committedAcl));
  });

  it('names the server user given', () => {
    expect(rules(mosquittoAcl('ingest'))[0]).toBe('user ingest');
  });

  // The same rights the embedded broker and the EMQX endpoints apply (topic-rights.ts), read back
  // from the ACL: a `write` rule is a publish right, a `read` rule a right to receive.
  const granted = (kind: 'topic' | 'pattern', access: 'read' | 'write') =>
    rules(mosquittoAcl('vigil-server'))
      .filter((line) => line.startsWith(`${kind} ${access} `))
      .map((line) => line.split(' ')[2].replace('%u', DEVICE));

  it('lets a device publish exactly what deviceMay allows, and receive only its commands', () => {
    expect(granted('pattern', 'write').every((topic) => deviceMay(DEVICE, 'publish', topic))).toBe(true);
    expect(granted('pattern', 'write')).toHaveLength(3);
    expect(granted('pattern', 'read')).toEqual([`vigil/v1/devices/${DEVICE}/commands`]);
    expect(deviceMay(DEVICE, 'subscribe', granted('pattern', 'read')[0])).toBe(true);
  });

  it('lets the server receive what serverMay lets it subscribe to, and publish commands', () => {
    expect(granted('topic', 'read').every((filter) => serverMay('subscribe', filter, 'vigil'))).toBe(true);
    expect(granted('topic', 'read')).toHaveLength(5);
    expect(granted('topic', 'write')).toEqual(['vigil/v1/devices/+/commands', CANARY_TOPIC]);
    expect(granted('topic', 'write').every((topic) => serverMay('publish', topic.replace('+', DEVICE), 'vigil'))).toBe(true);
    expect(serverMay('publish', `vigil/v1/devices/${DEVICE}/commands`, 'vigil')).toBe(true);
  });
});

describe('mosquittoPasswd', () => {
  it('writes one username:hash line each after a comment', () => {
    const text = mosquittoPasswd([
      { username: 'vigil-server', hash: '$7$101$a$b' },
      { username: DEVICE, hash: '$7$101$c$d' },
    ]);
    expect(text.split('\n')).toEqual([expect.stringMatching(/^# /), 'vigil-server:$7$101$a$b', `${DEVICE}:$7$101$c$d`, '']);
  });
});

describe('isServerUser', () => {
  it.each([
    ['vigil-server', true],
    ['vigil_server.2', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['vigil server', false],
    ['vigil:server', false],
    ['vigil\nserver', false],
    ['vigil+', false],
    ['#', false],
    ['a/b', false],
    ['-leading-dash', false],
    [DEVICE, false],
    [DEVICE.toUpperCase(), false],
  ])('%j: %s', (name, allowed) => {
    expect(isServerUser(name)).toBe(allowed);
  });
});

describe('localMosquittoConf', () => {
  const shipped = fs.readFileSync(new URL('../../../deploy/mosquitto/mosquitto.conf', import.meta.url), 'utf8');
  const options = (conf: string) => conf.split('\n').filter(Boolean);

  it("keeps every shipped queue and flow setting, and puts the listener, folders and files on this machine's", () => {
    const conf = options(localMosquittoConf(shipped, { port: 18831, dataDir: '/tmp/m', auth: { passwordFile: '/tmp/a/passwd', aclFile: '/tmp/a/acl' } }));
    for (const option of [
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      'max_inflight_messages 1000',
      'sys_interval 10',
      'persistence true',
      'autosave_interval 60',
    ]) {
      expect(conf).toContain(option);
    }
    expect(conf).toEqual(
      expect.arrayContaining([
        'listener 18831 127.0.0.1',
        'persistence_location /tmp/m/',
        'allow_anonymous false',
        'password_file /tmp/a/passwd',
        'acl_file /tmp/a/acl',
      ]),
    );
    expect(conf.filter((line) => /^(listener|password_file|acl_file|persistence_location|allow_anonymous|log_dest) /.test(line))).toHaveLength(6);
  });

  it('replaces the options given and lets anonymous clients in without files', () => {
    const conf = options(localMosquittoConf(shipped, { port: 1, dataDir: '/d/', overrides: { max_queued_messages: 20, sys_interval: 1 } }));
    expect(conf.filter((line) => line.startsWith('max_queued_messages '))).toEqual(['max_queued_messages 20']);
    expect(conf.filter((line) => line.startsWith('sys_interval '))).toEqual(['sys_interval 1']);
    expect(conf).toContain('allow_anonymous true');
    expect(conf.some((line) => line.startsWith('password_file'))).toBe(false);
  });
});
