import { describe, expect, it } from '@jest/globals';
import { clientIdBelongsTo, deviceMay, serverMay, type TopicAction } from './topic-rights.js';

const A = '3f2a9c1e-4b7d-4e21-9a55-0c6f1d2b8e77';
const B = '0c6f1d2b-4b7d-4e21-9a55-3f2a9c1e8e77';

describe('deviceMay', () => {
  const cases: Array<[TopicAction, string, boolean]> = [
    ['publish', `vigil/v1/devices/${A}/readings`, true],
    ['publish', `vigil/v1/devices/${A}/events`, true],
    ['publish', `vigil/v1/devices/${A}/status`, true],
    ['publish', `vigil/v1/devices/${A.toUpperCase()}/readings`, true], // the same id, however typed
    ['publish', `vigil/v1/devices/${A}/commands`, false],
    ['publish', `vigil/v1/devices/${B}/readings`, false],
    ['publish', `vigil/v1/devices/${A}/readings/extra`, false],
    ['publish', 'vigil/v1/devices/+/readings', false],
    ['publish', '$SYS/broker', false],
    ['subscribe', `vigil/v1/devices/${A}/commands`, true],
    ['subscribe', `vigil/v1/devices/${B}/commands`, false],
    ['subscribe', 'vigil/v1/devices/+/commands', false],
    ['subscribe', `vigil/v1/devices/${A}/readings`, false],
    ['subscribe', '#', false],
  ];
  it.each(cases)('device A may %s %s: %s', (action, topic, allowed) => {
    expect(deviceMay(A, action, topic)).toBe(allowed);
  });
});

describe('serverMay', () => {
  const cases: Array<[TopicAction, string, boolean]> = [
    ['subscribe', '$share/vigil/vigil/v1/devices/+/readings', true],
    ['subscribe', '$share/vigil/vigil/v1/devices/+/status', true],
    ['subscribe', 'vigil/v1/devices/+/events', true],
    ['subscribe', '$share/other/vigil/v1/devices/+/readings', false],
    ['subscribe', 'vigil/v1/devices/+/commands', false],
    ['subscribe', '#', false],
    ['publish', `vigil/v1/devices/${A}/commands`, true],
    ['publish', `vigil/v1/devices/${A}/readings`, false],
    ['publish', 'vigil/v1/devices/+/commands', false],
  ];
  it.each(cases)('the server may %s %s: %s', (action, topic, allowed) => {
    expect(serverMay(action, topic, 'vigil')).toBe(allowed);
  });
});

describe('clientIdBelongsTo', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [A, true],
    [A.toUpperCase(), true], // the same id, however typed
    [`${A}-backfill`, true],
    [`${A}/2`, true],
    [B, false], // another device's id: the takeover the rule exists for
    [`${B}-${A}`, false],
    [B.toUpperCase(), false],
    [A.slice(0, 35), false], // a shorter prefix could be another device's id
    [`x${A}`, false],
    ['mqttjs_3f2a9c1e', false],
    ['', false],
    [undefined, false],
  ];
  it.each(cases)('device A may connect as client id %s: %s', (clientId, allowed) => {
    expect(clientIdBelongsTo(A, clientId)).toBe(allowed);
  });
});
