// Probe of the machine's Mosquitto (docs/benchmarks.md, issue 11, question 1): how many QoS 1
// messages it sends a subscriber ahead of its PUBACKs, how many each PUBACK of the oldest one
// releases, and the broker heap a drained backlog takes. Queue settings as shipped in
// deploy/mosquitto/mosquitto.conf, anonymous on a free local port, no persistence. Measures,
// never passes or fails: node test/bench/mosquitto-window.js
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { freePort, isListening } = await import(path.join(root, 'server/dist/embedded/net.js'));
const shipped = fs.readFileSync(path.join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
const setting = (key) => shipped.match(new RegExp(`^${key} (\\S+)$`, 'm'))[1];
const TOPIC = 'vigil/v1/devices/0b8f3c52-8c1e-4f55-a4a5-2a0f5f0e9c11/readings';
const BODY = JSON.stringify({ t: Date.now(), m: { hr: 72, spo2: 97, rr: 14 } });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-window-'));
const port = await freePort();
const conf = path.join(dir, 'mosquitto.conf');
fs.writeFileSync(
  conf,
  [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'sys_interval 1', 'log_dest stderr', 'log_type error']
    .concat(['max_inflight_messages', 'max_queued_messages', 'max_queued_bytes'].map((key) => `${key} ${setting(key)}`))
    .join('\n') + '\n',
);
const broker = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
while (!(await isListening(port))) await new Promise((r) => setTimeout(r, 50));

const settle = async (read) => {
  // Until nothing more arrives for a second: the broker has sent what it will.
  for (let last = -1; read() !== last;) {
    last = read();
    await new Promise((r) => setTimeout(r, 1000));
  }
  return read();
};

/** A raw subscriber that acknowledges only when told, and stops reading past `holdAt` unacknowledged messages. */
function subscriber({ protocolVersion, receiveMaximum, filter, clientId = `window-${Math.random()}`, clean = true, holdAt = Infinity }) {
  const opts = { protocolVersion };
  const socket = net.connect(port, '127.0.0.1');
  const parser = mqttPacket.parser(opts);
  const state = { received: 0, mids: [], socket };
  state.ready = new Promise((resolve) => {
    parser.on('packet', (p) => {
      if (p.cmd === 'connack') {
        const sub = { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] };
        if (protocolVersion === 5) sub.properties = {};
        socket.write(mqttPacket.generate(sub, opts));
      } else if (p.cmd === 'suback') resolve();
      else if (p.cmd === 'publish') {
        state.received++;
        state.mids.push(p.messageId);
        if (state.received - (state.acked ?? 0) >= holdAt) socket.pause();
      }
    });
  });
  socket.on('data', (d) => parser.parse(d));
  const connect = { cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId, clean, keepalive: 600 };
  if (protocolVersion === 5) connect.properties = { sessionExpiryInterval: clean ? 0 : 3600, ...(receiveMaximum && { receiveMaximum }) };
  socket.write(mqttPacket.generate(connect, opts));
  state.ack = (n) => {
    for (const messageId of state.mids.slice(state.acked ?? 0, (state.acked ?? 0) + n)) socket.write(mqttPacket.generate({ cmd: 'puback', messageId }, opts));
    state.acked = (state.acked ?? 0) + n;
  };
  return state;
}

async function publish(count) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `pub-${Math.random()}` });
  for (let i = 0; i < count; i += 1000)
    await Promise.all(Array.from({ length: Math.min(1000, count - i) }, () => client.publishAsync(TOPIC, BODY, { qos: 1 })));
  await client.endAsync();
}

async function heap() {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `heap-${Math.random()}` });
  const value = await new Promise((resolve) => {
    client.on('message', (_topic, payload) => resolve(Number(payload.toString())));
    client.subscribe('$SYS/broker/heap/current');
  });
  await client.endAsync();
  return value;
}

try {
  console.log(`${setting('max_inflight_messages')} in flight, ${setting('max_queued_messages')} queued (deploy/mosquitto/mosquitto.conf)`);
  for (const [protocolVersion, receiveMaximum, filter, published, acks] of [
    [5, 10_000, 'vigil/v1/devices/+/readings', 50_000, 1],
    [5, 10_000, '$share/vigil/vigil/v1/devices/+/readings', 20_000, 10],
    [5, 1_000, 'vigil/v1/devices/+/readings', 50_000, 2],
    [5, undefined, 'vigil/v1/devices/+/readings', 20_000, 10],
    [4, undefined, 'vigil/v1/devices/+/readings', 50_000, 1],
  ]) {
    const s = subscriber({ protocolVersion, receiveMaximum, filter });
    await s.ready;
    await publish(published);
    const before = await settle(() => s.received);
    s.ack(acks);
    const after = (await settle(() => s.received)) - before;
    console.log(
      `MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, Receive Maximum ${receiveMaximum ?? 'none'}, ${filter}: ${published} published, ` +
        `${before} sent before any PUBACK, ${after} more after PUBACKs of the oldest ${acks}`,
    );
    s.socket.destroy();
    await new Promise((r) => setTimeout(r, 500));
  }
  // Heap: a 100,000-message backlog for an offline MQTT 5 session, then drained as Vigil drains it
  // (holding 10,000 unacknowledged, reading no further, acknowledging one 1,667-message batch).
  const backlog = 100_000;
  const session = { protocolVersion: 5, receiveMaximum: 10_000, filter: 'vigil/v1/devices/+/readings', clientId: 'window-backlog', clean: false };
  const first = subscriber(session);
  await first.ready;
  first.socket.destroy();
  await new Promise((r) => setTimeout(r, 1500));
  const empty = await heap();
  await publish(backlog);
  await new Promise((r) => setTimeout(r, 2500));
  const queued = await heap();
  const drain = subscriber({ ...session, holdAt: 10_000 });
  await drain.ready;
  await settle(() => drain.received);
  await new Promise((r) => setTimeout(r, 1500));
  const holding = await heap();
  drain.ack(1667);
  await new Promise((r) => setTimeout(r, 4000));
  const released = await heap();
  const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `heap: ${mib(empty)} empty, ${mib(queued)} with ${backlog} queued (${Math.round((queued - empty) / backlog)} bytes a message), ` +
      `${mib(holding)} with 10,000 held by the consumer, ${mib(released)} after it acknowledged one batch (+${Math.round((released - holding) / backlog)} bytes a queued message)`,
  );
  drain.socket.destroy();
} finally {
  broker.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
