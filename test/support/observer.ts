import { connectClient } from '../../simulators/src/devices/mqtt-link.js';

/** A subscriber that records what arrives on the topics it watches, with the retain flag. */
export interface Observer {
  messages: Array<{ topic: string; payload: string; retain: boolean }>;
  close(): Promise<void>;
}

export async function observe(url: string, topics: string[]): Promise<Observer> {
  const client = await connectClient(url, { clientId: `observer-${Math.random().toString(36).slice(2, 10)}`, clean: true, reconnectPeriod: 0 });
  const messages: Observer['messages'] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { messages, close: () => client.endAsync() };
}

export async function until(condition: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
