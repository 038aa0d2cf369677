import type { MqttClient } from 'mqtt';
import { topicFor } from '../../server/src/domain/protocol.js';
import { waitFor } from './wait.js';

export interface PublisherCounts {
  sent: number;
  acked: number;
  errors: number;
}

/**
 * Publishes one single-metric sample every `intervalMs` at QoS 1, each with its own time
 * (so the stored count of a device is exact), and counts what was sent and acknowledged.
 * MQTT.js re-sends unacknowledged messages after a reconnect: `settled()` waits for them.
 */
export function steadyPublisher(client: MqttClient, deviceId: string, intervalMs: number) {
  const base = Date.now() - 3_600_000;
  const state: PublisherCounts = { sent: 0, acked: 0, errors: 0 };
  const timer = setInterval(() => {
    const t = base + state.sent++;
    client.publish(topicFor(deviceId, 'readings'), JSON.stringify({ t, m: { hr: 60 + (t % 40) } }), { qos: 1 }, (error) =>
      error ? state.errors++ : state.acked++,
    );
  }, intervalMs);
  return {
    state,
    /** The time of the first sample; the n-th (from 0) is at `base + n`, with hr = 60 + (time % 40). */
    base,
    stop: () => clearInterval(timer),
    /** Every sample published has been acknowledged (or failed). */
    settled: (timeoutMs = 60_000) =>
      waitFor(
        () => state.acked + state.errors,
        (n) => n === state.sent,
        timeoutMs,
        'every published sample acknowledged',
      ),
  };
}
