import { Injectable } from '@nestjs/common';
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import type { Duplex } from 'node:stream';
import { once } from '../domain/once.js';

export interface ConsumerOptions {
  url: string;
  /** Fixed per instance: the broker keeps this session's subscriptions and queue while it is away. */
  clientId: string;
  /** Connections in the group: the first under `clientId`, the others under `clientId-2`, `clientId-3`, … */
  connections: number;
  /**
   * Topic filters, subscribed at QoS 1 (e.g. `$share/vigil/vigil/v1/devices/+/readings`); a plain
   * filter without the retained messages (as a shared one gets none), which a persistent
   * session would otherwise receive again at every resubscription.
   */
  topics: string[];
  /** Messages held unacknowledged at most, over all connections (split into each one's MQTT 5 Receive Maximum). */
  maxInFlight: number;
  /** `done()` acknowledges (PUBACK); `done(error)` leaves the message unacknowledged, to be delivered again. */
  onMessage: (topic: string, payload: Buffer, done: (error?: Error) => void) => void;
  /** How many of the connections are up, whenever that changes. */
  onConnectionChange?(connected: number, of: number): void;
  /**
   * Another connection took over a session (MQTT 5 DISCONNECT, reason 0x8E): given this, the
   * connection stops reconnecting instead of taking the session back; else it reconnects.
   */
  onSessionTakenOver?: () => void;
  /** The broker's own counters, subscribed at QoS 0 on the first connection; each value as the broker publishes it. */
  counters?: { topics: string[]; onValue: (topic: string, value: string) => void };
}

export interface RetireOptions {
  url: string;
  clientId: string;
  /** The session's subscriptions, removed first so that it takes no new share of the group's messages. */
  topics: string[];
  /** The session is done once nothing arrived for this long and every message is acknowledged. */
  quietMs: number;
  onMessage(topic: string, payload: Buffer, done: (error?: Error) => void): void;
}

export interface RetireResult {
  /** The broker still held a session under this client id. */
  sessionPresent: boolean;
  /** Messages received from it (each acknowledged after it was handled). */
  messages: number;
}

const SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;
/** MQTT 5 reason code of a DISCONNECT sent because another connection took the session over. */
const SESSION_TAKEN_OVER = 0x8e;

/** QoS 1; plain filters with Retain Handling 2 (no retained messages on subscribe). */
const subscriptions = (topics: string[]) =>
  Object.fromEntries(topics.map((topic) => [topic, topic.startsWith('$share/') ? { qos: 1 as const } : { qos: 1 as const, rh: 2 }]));

/** `clientId`, then `clientId-2`, `clientId-3`, …: the client ids of one instance's connections. */
export const consumerClientIds = (clientId: string, connections: number): string[] =>
  Array.from({ length: connections }, (_, i) => (i === 0 ? clientId : `${clientId}-${i + 1}`));

/**
 * Consumes device messages from an external broker (Mosquitto, EMQX) with MQTT.js, MQTT 5,
 * persistent sessions and QoS 1, acknowledging each message only when `done()` is called.
 *
 * Several connections per instance, all members of the shared group: the broker deals the
 * group's messages round-robin between them, each with its own in-flight window and socket.
 *
 * MQTT.js handles incoming packets one at a time and writes a PUBACK only when
 * `handleMessage` calls back, so holding that callback until a commit would allow one message
 * per commit. Instead `handleMessage` calls back at once and the PUBACK MQTT.js then writes is
 * dropped; the real PUBACKs are written here after `done()`, all those a commit released in
 * one socket write (a batch settles its acknowledgements in one synchronous loop). That keeps
 * the connection reading while up to `maxInFlight` messages wait for their commit; past that,
 * `handleMessage` holds its callback, which stops MQTT.js reading (TCP backpressure) until
 * commits free room. An acknowledgement is written only on the socket that received the
 * message: after a reconnect the broker sends unacknowledged messages again.
 * Relies on MQTT.js 5 internals (`_sendPacket`, `stream`): test/integration/ingest-external.test.ts
 * guards it.
 */
@Injectable()
export class MqttConsumerRepository {
  private connections: Connection[] = [];

  /** Every ingest connection is up (readiness reports an external broker by them). */
  get connected(): boolean {
    return this.connections.length > 0 && this.connections.every((c) => c.client.connected);
  }

  async start(options: ConsumerOptions): Promise<void> {
    const budget = new InFlightBudget(options.maxInFlight);
    const receiveMaximum = Math.max(1, Math.ceil(options.maxInFlight / options.connections));
    const report = () => options.onConnectionChange?.(this.connections.filter((c) => c.client.connected).length, this.connections.length);
    this.connections = consumerClientIds(options.clientId, options.connections).map(
      (clientId, index) =>
        new Connection(
          options.url,
          { clientId, clean: false, properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS, receiveMaximum }, reconnectPeriod: 250 },
          budget,
          options.onMessage,
          (client) => {
            report();
            // Also when the broker resumed the session: Mosquitto 2.0 does not restore shared
            // subscriptions from its persistence file after a restart. Subscribing again is harmless.
            client.subscribe(subscriptions(options.topics), (error) => error && client.emit('error', error));
            if (index === 0 && options.counters) {
              client.subscribe(options.counters.topics, { qos: 0 }, (error) => error && client.emit('error', error));
            }
          },
          report,
          index === 0 ? options.counters?.onValue : undefined,
          options.onSessionTakenOver,
        ),
    );
    await Promise.all(this.connections.map((c) => c.open()));
  }

  /** Publishes at QoS 1 on the first connection; resolves at the broker's PUBACK. */
  async publish(topic: string, payload: string): Promise<void> {
    const first = this.connections[0];
    if (!first?.client.connected) throw new Error('the ingest session is not connected');
    await first.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** Disconnects; messages still unacknowledged are delivered again (the sessions stay). */
  async stop(): Promise<void> {
    const connections = this.connections;
    this.connections = [];
    await Promise.all(connections.map((c) => c.client.endAsync(true)));
  }

  /**
   * Ends a session for good without losing what it holds: connects under its client id (the
   * broker then delivers what it queued for it), unsubscribes at once so that it takes no
   * new messages, hands each message to `onMessage` and acknowledges it after, and once
   * nothing is left disconnects with session expiry 0, which makes the broker discard the session.
   */
  async retire(options: RetireOptions): Promise<RetireResult> {
    const budget = new InFlightBudget(1000);
    let messages = 0;
    let lastAt = performance.now();
    let sessionPresent = false;
    const connection = new Connection(
      options.url,
      { clientId: options.clientId, clean: false, properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS, receiveMaximum: 1000 }, reconnectPeriod: 0 },
      budget,
      (topic, payload, done) => {
        messages++;
        lastAt = performance.now();
        options.onMessage(topic, payload, done);
      },
      () => undefined,
      () => undefined,
    );
    connection.client.once('connect', (connack) => {
      sessionPresent = connack.sessionPresent;
      connection.client.unsubscribe(options.topics);
    });
    if (!(await connection.open())) {
      await connection.client.endAsync(true);
      throw new Error(`could not connect to the broker as ${options.clientId}`);
    }
    while (budget.used > 0 || performance.now() - lastAt < options.quietMs) {
      if (!connection.client.connected) throw new Error(`lost the broker while retiring ${options.clientId}; run the command again`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await connection.client.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
    return { sessionPresent, messages };
  }
}

/** Messages unacknowledged over all connections of an instance, and the readers waiting for room. */
class InFlightBudget {
  used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.used >= this.max;
  }

  take(): void {
    this.used++;
  }

  /** `resume` runs when a slot frees. */
  wait(resume: () => void): void {
    this.waiting.push(resume);
  }

  release(): void {
    this.used--;
    while (this.waiting.length && !this.full) this.waiting.shift()!();
  }

  /** A connection closed: its reader is gone, whatever it waited for. */
  forget(resume: () => void): void {
    const index = this.waiting.indexOf(resume);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}

/** One MQTT 5 connection of the consumer, with deferred and bulk acknowledgements. */
class Connection {
  readonly client: MqttClient;
  private readonly pendingAcks = new Map<Duplex, number[]>();
  private held?: () => void;

  constructor(
    url: string,
    session: Pick<IClientOptions, 'clientId' | 'clean' | 'properties' | 'reconnectPeriod'>,
    private readonly budget: InFlightBudget,
    private readonly onMessage: ConsumerOptions['onMessage'],
    onConnect: (client: MqttClient) => void,
    onClose: () => void,
    private readonly onCounter?: (topic: string, value: string) => void,
    onTakenOver?: () => void,
  ) {
    this.client = mqtt.connect(url, {
      ...session,
      protocolVersion: 5,
      resubscribe: false, // subscribed on every connect
      connectTimeout: 10_000,
      manualConnect: true,
    });
    dropOwnAcknowledgements(this.client);
    this.client.handleMessage = (packet, callback) => this.receive(packet, callback);
    this.client.on('error', () => undefined); // reconnects by itself; readiness reports the broker
    this.client.on('close', () => {
      if (this.held) this.budget.forget(this.held); // that connection's reader is gone with it
      this.held = undefined;
      onClose();
    });
    this.client.on('connect', () => onConnect(this.client));
    if (onTakenOver) {
      this.client.on('disconnect', (packet) => {
        if (packet.reasonCode !== SESSION_TAKEN_OVER) return;
        this.client.end(true);
        onTakenOver();
      });
    }
  }

  /** Connects; resolves true once connected, false if the broker did not answer within 5 s (it keeps trying). */
  open(): Promise<boolean> {
    return new Promise((resolve) => {
      this.client.once('connect', () => resolve(true));
      this.client.connect();
      setTimeout(() => resolve(false), 5000).unref();
    });
  }

  private receive(packet: Packet, callback: (error?: Error) => void): void {
    if (packet.cmd !== 'publish') return callback();
    const { topic, payload, qos, messageId } = packet;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (topic.startsWith('$SYS/')) {
      this.onCounter?.(topic, body.toString());
      return callback();
    }
    if (qos === 0) {
      deliver(this.onMessage, topic, body, () => undefined);
      return callback();
    }
    const stream = this.client.stream;
    this.budget.take();
    deliver(this.onMessage, topic, body, (error) => {
      if (!error && stream === this.client.stream && this.client.connected) this.acknowledge(stream, messageId!);
      this.budget.release();
    });
    if (!this.budget.full) return callback();
    this.held = () => {
      this.held = undefined;
      callback();
    };
    this.budget.wait(this.held);
  }

  /**
   * Queues a PUBACK; those queued in one turn of the event loop (a batch's messages, settled
   * in one loop) go out in one write. MQTT 5 allows a success PUBACK without reason code and
   * properties: 4 bytes, as in MQTT 3.1.1.
   */
  private acknowledge(stream: Duplex, messageId: number): void {
    let ids = this.pendingAcks.get(stream);
    if (!ids) {
      this.pendingAcks.set(stream, (ids = []));
      process.nextTick(() => {
        this.pendingAcks.delete(stream);
        if (stream !== this.client.stream || !this.client.connected) return; // redelivered after the reconnect
        const packets = Buffer.allocUnsafe(ids!.length * 4);
        ids!.forEach((id, i) => {
          packets[i * 4] = 0x40;
          packets[i * 4 + 1] = 0x02;
          packets.writeUInt16BE(id, i * 4 + 2);
        });
        stream.write(packets);
      });
    }
    ids.push(messageId);
  }
}

/** MQTT.js's own PUBACKs are dropped; ours are written after the commit. */
function dropOwnAcknowledgements(client: MqttClient): void {
  const internal = client as unknown as { _sendPacket: (packet: { cmd: string }, cb?: () => void, ...rest: unknown[]) => void };
  const original = internal._sendPacket;
  if (typeof original !== 'function') throw new Error('MQTT.js has no _sendPacket: deferred acknowledgements need MQTT.js 5');
  internal._sendPacket = function (packet, cb, ...rest) {
    if (packet.cmd === 'puback') return cb?.();
    return original.call(this, packet, cb, ...rest);
  };
}

/**
 * Hands a message to `onMessage`; `done` runs once. If `onMessage` throws, the message is left
 * unacknowledged (`done(error)`) instead of the error escaping into MQTT.js's packet handler
 * and its in-flight slot being held for ever.
 */
function deliver(onMessage: ConsumerOptions['onMessage'], topic: string, payload: Buffer, done: (error?: Error) => void): void {
  const answer = once(done);
  try {
    onMessage(topic, payload, answer);
  } catch (error) {
    answer(error instanceof Error ? error : new Error(String(error)));
  }
}
