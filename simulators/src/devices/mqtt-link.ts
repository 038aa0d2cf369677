import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * One device's MQTT connection, the only place the simulators talk MQTT.js. The device's
 * behaviour (buffering, backoff, what to publish) lives in device-runner.ts and is tested
 * against a fake of this interface.
 */
export interface DeviceLink {
  readonly connected: boolean;
  /** Starts a connection attempt (the first, or again after a close). */
  connect(): void;
  /** Publishes at QoS 1; resolves at the PUBACK, rejects if the message is abandoned. */
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  /** Loses power: the socket goes without a DISCONNECT, so the broker publishes the Last Will. */
  drop(): void;
  /** A clean goodbye (DISCONNECT): no Last Will. */
  end(): Promise<void>;
  on(event: 'connect', handler: () => void): void;
  on(event: 'close', handler: () => void): void;
  /** A refused CONNECT carries the CONNACK reason (e.g. "not authorized"). */
  on(event: 'error', handler: (error: Error & { code?: number | string }) => void): void;
}

export interface LinkOptions {
  url: string;
  clientId: string;
  username: string;
  password: string;
  will: { topic: string; payload: string };
  keepaliveSeconds?: number;
}

export function mqttLink(options: LinkOptions): DeviceLink {
  let client: MqttClient | undefined;
  const handlers: { connect: Array<() => void>; close: Array<() => void>; error: Array<(error: Error) => void> } = {
    connect: [],
    close: [],
    error: [],
  };
  const create = () => {
    // A persistent session (clean: false) under a stable client id: the broker keeps the
    // device's subscriptions and queued messages across reconnects, and MQTT.js re-sends
    // its unacknowledged QoS 1 messages. Reconnects are paced by the runner's backoff.
    const c = mqtt.connect(options.url, {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: options.keepaliveSeconds ?? 30,
      will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 1, retain: true },
    });
    c.on('connect', () => handlers.connect.forEach((h) => h()));
    c.on('close', () => handlers.close.forEach((h) => h()));
    c.on('error', (error) => handlers.error.forEach((h) => h(error)));
    return c;
  };
  return {
    get connected() {
      return client?.connected ?? false;
    },
    connect() {
      if (!client) client = create();
      else client.reconnect();
    },
    async publish(topic, payload, retain = false) {
      if (!client) throw new Error('not connected');
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    drop() {
      client?.end(true);
    },
    async end() {
      await client?.endAsync();
    },
    on(event: 'connect' | 'close' | 'error', handler: (error: Error) => void) {
      (handlers[event] as Array<typeof handler>).push(handler);
    },
  };
}

/**
 * An MQTT.js client, connected: rejects when the broker refuses it or cannot be reached. Later
 * errors are left to MQTT.js (it reconnects when `reconnectPeriod` asks it to; `close` and
 * `reconnect` tell the caller).
 */
export async function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, options);
  client.on('error', () => undefined);
  return client;
}

/**
 * A device's own connection (username = device id, password = secret, a client id that starts
 * with the device id, as brokers require), for load tests and integration tests.
 */
export function connectDevice(url: string, device: { id: string; secret: string }, overrides: IClientOptions = {}): Promise<MqttClient> {
  return connectClient(url, {
    username: device.id,
    password: device.secret,
    clientId: `${device.id}-${Math.random().toString(36).slice(2, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...overrides,
  });
}
