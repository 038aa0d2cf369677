import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { waitFor } from './wait.js';

export interface PublisherCounts {
  /** Samples made, each with its own time. */
  sent: number;
  /** Samples acknowledged (each once: a sample is sent again only after its attempt failed). */
  acked: number;
  /** Failed attempts, by the error's message. */
  failures: Record<string, number>;
}

/**
 * Publishes one single-metric sample every `intervalMs` at QoS 1, each with its own time
 * (so the stored count of a device is exact), and counts what was sent and acknowledged.
 * MQTT.js re-sends unacknowledged messages after a reconnect; a publish it fails instead (e.g.
 * "Connection closed" for one it held while re-sending when the connection died again) is sent
 * again once the client is connected, as a device with an offline buffer does. `settled()`
 * waits until every sample is acknowledged.
 */
export function steadyPublisher(client: MqttClient, deviceId: string, intervalMs: number) {
  const base = Date.now() - 3_600_000;
  const state: PublisherCounts = { sent: 0, acked: 0, failures: {} };
  const waiting: number[] = [];
  const publish = (t: number) =>
    client.publish(topicFor(deviceId, 'readings'), JSON.stringify({ t, m: { hr: 60 + (t % 40) } }), { qos: 1 }, (error) => {
      if (!error) return void state.acked++;
      state.failures[error.message] = (state.failures[error.message] ?? 0) + 1;
      // Again on the next connection; on this one after a pause (not from inside MQTT.js's callback).
      if (client.connected && !client.disconnecting) setTimeout(() => publish(t), intervalMs);
      else waiting.push(t);
    });
  client.on('connect', () => waiting.splice(0).forEach(publish));
  const timer = setInterval(() => publish(base + state.sent++), intervalMs);
  return {
    state,
    /** The time of the first sample; the n-th (from 0) is at `base + n`, with hr = 60 + (time % 40). */
    base,
    stop: () => clearInterval(timer),
    /** Every sample published has been acknowledged. */
    settled: (timeoutMs = 60_000) =>
      waitFor(
        () => state.acked,
        (n) => n === state.sent,
        timeoutMs,
        'every published sample acknowledged',
      ),
  };
}
