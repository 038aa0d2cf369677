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
