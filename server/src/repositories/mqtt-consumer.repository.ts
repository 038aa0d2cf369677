import { Injectable } from '@nestjs/common';
import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { once } from '../domain/once.js';

export interface ConsumerOptions {
  url: string;
  /** Fixed per instance: the broker keeps this session's subscriptions and queue while it is away. */
  clientId: string;
  /** Topic filters, subscribed at QoS 1 (e.g. `$share/vigil/vigil/v1/devices/+/readings`). */
  topics: string[];
  /** Messages held unacknowledged at most (MQTT 5 Receive Maximum, and enforced here too). */
  maxInFlight: number;
  /** `done()` acknowledges (PUBACK); `done(error)` leaves the message unacknowledged, to be delivered again. */
  onMessage(topic: string, payload: Buffer, done: (error?: Error) => void): void;
  onConnectionChange?(connected: boolean): void;
}

const SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * Consumes device messages from an external broker (Mosquitto, EMQX) with MQTT.js, MQTT 5,
 * a persistent session and QoS 1, acknowledging each message only when `done()` is called.
 *
 * MQTT.js handles incoming packets one at a time and writes a PUBACK only when
 * `handleMessage` calls back, so holding that callback until a commit would allow one message
 * per commit. Instead `handleMessage` calls back at once and the PUBACK MQTT.js then writes is
 * dropped; the real PUBACK is written here after `done()`. That keeps the connection reading
 * while up to `maxInFlight` messages wait for their commit; past that, `handleMessage` holds its
 * callback, which stops MQTT.js reading (TCP backpressure) until commits free room.
 * An acknowledgement is written only on the connection that received the message: after a
 * reconnect the broker sends unacknowledged messages again (same or other instance).
 * Relies on MQTT.js 5 internals (`_sendPacket`): test/integration/ingest-external.test.ts
 * guards it.
 */
@Injectable()
export class MqttConsumerRepository {
  private client?: MqttClient;
  private generation = 0;
  private inFlight = 0;
  private waiting?: () => void;

  /** The ingest session is connected (readiness reports an external broker by it). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async start(options: ConsumerOptions): Promise<void> {
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS, receiveMaximum: options.maxInFlight },
      resubscribe: false, // subscribed on every connect, below
      reconnectPeriod: 250, // short: Mosquitto 2.0 drops what arrives for the group before we resubscribe
      connectTimeout: 10_000,
      manualConnect: true,
    };
    const client = mqtt.connect(options.url, clientOptions);
    this.client = client;
    this.deferAcknowledgements(client);
    client.handleMessage = (packet, callback) => this.receive(options, packet, callback);
    client.on('error', () => undefined); // reconnects by itself; readiness reports the broker
    client.on('close', () => {
      this.generation++;
      this.waiting = undefined; // that connection's reader is gone with it
      options.onConnectionChange?.(false);
    });
    client.on('connect', () => {
      options.onConnectionChange?.(true);
      // Also when the broker resumed the session: Mosquitto 2.0 does not restore shared
      // subscriptions from its persistence file after a restart. Subscribing again is harmless.
      client.subscribe(options.topics, { qos: 1 }, (error) => {
        if (error) client.emit('error', error);
      });
    });
    await new Promise<void>((resolve) => {
      client.once('connect', () => resolve());
      client.connect();
      // Start even while the broker is down; it connects when the broker comes.
      setTimeout(resolve, 5000).unref();
    });
  }

  /** Disconnects; messages still unacknowledged are delivered again (the session stays). */
  async stop(): Promise<void> {
    await this.client?.endAsync(true);
    this.client = undefined;
  }

  private receive(options: ConsumerOptions, packet: Packet, callback: (error?: Error) => void): void {
    if (packet.cmd !== 'publish') return callback();
    const { topic, payload, qos, messageId } = packet;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (qos === 0) {
      deliver(options, topic, body, () => undefined);
      return callback();
    }
    const generation = this.generation;
    this.inFlight++;
    deliver(options, topic, body, (error) => {
      this.inFlight--;
      if (!error && generation === this.generation && this.client?.connected) {
        this.writePuback(messageId!);
      }
      if (this.waiting && this.inFlight < options.maxInFlight) {
        const resume = this.waiting;
        this.waiting = undefined;
        resume();
      }
    });
    if (this.inFlight < options.maxInFlight) callback();
    else this.waiting = callback;
  }

  private originalSend?: (packet: unknown, cb?: () => void) => void;

  /** MQTT.js's own PUBACKs are dropped; ours are written after the commit. */
  private deferAcknowledgements(client: MqttClient): void {
    const internal = client as unknown as { _sendPacket: (packet: { cmd: string }, cb?: () => void, ...rest: unknown[]) => void };
    const original = internal._sendPacket;
    if (typeof original !== 'function') throw new Error('MQTT.js has no _sendPacket: deferred acknowledgements need MQTT.js 5');
    this.originalSend = (packet, cb) => original.call(client, packet as { cmd: string }, cb);
    internal._sendPacket = function (packet, cb, ...rest) {
      if (packet.cmd === 'puback') return cb?.();
      return original.call(this, packet, cb, ...rest);
    };
  }

  private writePuback(messageId: number): void {
    this.originalSend!({ cmd: 'puback', messageId, reasonCode: 0 });
  }
}

/**
 * Hands a message to `onMessage`; `done` runs once. If `onMessage` throws, the message is left
 * unacknowledged (`done(error)`) instead of the error escaping into MQTT.js's packet handler
 * and its in-flight slot being held for ever.
 */
function deliver(options: ConsumerOptions, topic: string, payload: Buffer, done: (error?: Error) => void): void {
  const answer = once(done);
  try {
    options.onMessage(topic, payload, answer);
  } catch (error) {
    answer(error instanceof Error ? error : new Error(String(error)));
  }
}
