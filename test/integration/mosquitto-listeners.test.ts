import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { mosquittoAcl } from '../../server/src/domain/mosquitto-files.js';
import { tempDir } from '../support/embedded.js';
import { handToBroker, startShippedMosquitto, type TestMosquitto } from '../support/mosquitto.js';
import { waitFor } from '../support/wait.js';

/**
 * The shipped deploy/mosquitto/mosquitto.conf on the machine's Mosquitto: on the devices'
 * listener (1883) a client's id is its username, so one user has one connection; on the
 * servers' listener (1884) each server replica keeps its own client id under the one server
 * user, so two replicas (docker-compose.yml) do not disconnect each other.
 */
describe('the shipped Mosquitto listeners', () => {
  const auth = tempDir('vigil-mosquitto-auth-');
  let mosquitto: TestMosquitto & { serverUrl: string };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const passwd = path.join(auth.path, 'passwd');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'vigil-server', 'server-password']);
    execFileSync('mosquitto_passwd', ['-b', passwd, 'device-a', 'device-password']);
    fs.chmodSync(passwd, 0o600);
    fs.writeFileSync(path.join(auth.path, 'acl'), mosquittoAcl('vigil-server'));
    handToBroker(auth.path, ['passwd', 'acl']);
    mosquitto = await startShippedMosquitto({ authDir: auth.path });
  });
  afterAll(async () => {
    clients.forEach((client) => client.end(true));
    await mosquitto?.remove();
    auth.remove();
  });

  async function connect(url: string, username: string, password: string, clientId: string) {
    const client = await mqtt.connectAsync(url, { username, password, clientId, clean: false, reconnectPeriod: 0, connectTimeout: 5000 });
    clients.push(client);
    const seen = { closes: 0 };
    client.on('close', () => seen.closes++);
    return { client, seen };
  }

  it('keeps two server replicas with the same user and their own client ids connected on the servers’ listener', async () => {
    const one = await connect(mosquitto.serverUrl, 'vigil-server', 'server-password', 'vigil-server-1');
    const two = await connect(mosquitto.serverUrl, 'vigil-server', 'server-password', 'vigil-server-2');
    // A round trip on each after both connected: the broker handled the second CONNECT first.
    await one.client.subscribeAsync('$share/vigil/vigil/v1/devices/+/readings', { qos: 1 });
    await two.client.subscribeAsync('$share/vigil/vigil/v1/devices/+/readings', { qos: 1 });
    expect([one.seen.closes, two.seen.closes, one.client.connected, two.client.connected]).toEqual([0, 0, true, true]);
  });

  it('gives one connection per user on the devices’ listener (the client id is the username)', async () => {
    const first = await connect(mosquitto.url, 'device-a', 'device-password', 'device-a-first');
    await connect(mosquitto.url, 'device-a', 'device-password', 'device-a-second');
    await waitFor(
      () => first.seen.closes,
      (n) => n > 0,
      10_000,
      'the first connection of the same user to be closed',
    );
  });

  it('authenticates on the servers’ listener too', async () => {
    await expect(connect(mosquitto.serverUrl, 'vigil-server', 'wrong', 'vigil-server-3')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });
});
