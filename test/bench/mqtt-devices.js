// Background load for the benchmarks (live.js, alerts.js): devices over MQTT, one sample
// {t: now, m} per message, QoS 1, spread evenly over 100 ms ticks. Runs in the child process
// of the benchmark that forks it, so it never shares the server's event loop.
import * as mqtt from 'mqtt';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects every device, calls `ready()`, waits for `go`, then publishes `pointsPerSecond`
 * (samples × `metrics`) for `seconds`; `values(i)` gives the i-th sample's metrics. Resolves
 * with the number of messages published once every client has disconnected.
 */
export async function publishReadings({ brokerUrl, devices, pointsPerSecond, seconds, metrics, values, ready, go }) {
  const clients = await Promise.all(devices.map((d) => mqtt.connectAsync(brokerUrl, { username: d.id, password: d.secret, clientId: d.id })));
  ready();
  await go;
  const perTick = Math.max(1, Math.round(pointsPerSecond / metrics / 10));
  let i = 0;
  let published = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const started = Date.now();
    for (let k = 0; k < perTick; k++) {
      const n = i++;
      const d = devices[n % devices.length];
      clients[n % clients.length].publish(`vigil/v1/devices/${d.id}/readings`, JSON.stringify({ t: Date.now(), m: values(n) }), { qos: 1 });
      published++;
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
  await sleep(1000);
  await Promise.all(clients.map((c) => c.endAsync()));
  return published;
}
