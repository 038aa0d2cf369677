import { Injectable } from '@nestjs/common';
import type { AuthenticateError, Client } from 'aedes';
import { once } from '../domain/once.js';
import { BrokerRepository } from './broker.repository.js';

/**
 * The device a connection signs in as (its id as the server keeps it), or why it may not:
 * wrong credentials, a client id that is not the device's, or the server not ready.
 */
export type AuthenticationResult = { deviceId: string } | 'refused' | 'client_id_refused' | 'unavailable';

/** What the server decides for the embedded broker; the repository turns it into aedes hooks. */
export interface EmbeddedBrokerHooks {
  authenticate(username: string | undefined, password: string | undefined, clientId: string): Promise<AuthenticationResult>;
  /** `done()` lets aedes acknowledge (PUBACK) the message; `done(error)` closes the client's connection instead. */
  publish(deviceId: string | undefined, topic: string, payload: Buffer, done: (error?: Error) => void): void;
  maySubscribe(deviceId: string | undefined, topicFilter: string): boolean;
}

/** aedes clients can stop and resume reading their connection (not in its type definitions). */
type PausableClient = Client & { pause(): void; resume(): void };

// MQTT 3.1.1 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const NOT_AUTHORIZED = 5;
const REFUSAL = {
  refused: { code: NOT_AUTHORIZED, message: 'not authorized' },
  client_id_refused: { code: IDENTIFIER_REJECTED, message: 'identifier rejected: the client id must start with the device id' },
  unavailable: { code: SERVER_UNAVAILABLE, message: 'server unavailable' },
} as const;

/**
 * The in-process aedes broker, seen from the server: installs the authentication and
 * authorisation hooks, remembers which device each connection authenticated as, and closes
 * a device's connections on demand (revocation). aedes runs authorizePublish concurrently for
 * a client's in-flight messages and sends the PUBACK only after its callback, so holding that
 * callback until the commit acknowledges after commit without serialising the connection.
 */
@Injectable()
export class MqttEmbeddedRepository {
  private readonly deviceOf = new WeakMap<Client, string>();
  private readonly connections = new Map<string, Set<Client>>();
  private intakePaused = false;
  /** Paused clients, each with the close listener that forgets it. */
  private readonly paused = new Map<PausableClient, () => void>();

  constructor(private readonly broker: BrokerRepository) {}

  install(hooks: EmbeddedBrokerHooks): void {
    const aedes = this.broker.embedded;
    if (!aedes) throw new Error('there is no embedded broker');
    // aedes authenticates before it looks for a connection or session with the same client id,
    // so a refusal here leaves another device's connection and session untouched.
    aedes.authenticate = (client, username, password, done) => {
      hooks.authenticate(username, password?.toString('utf8'), client.id).then(
        (result) => {
          if (typeof result === 'object') {
            this.deviceOf.set(client, result.deviceId);
            return done(null, true);
          }
          const error = new Error(REFUSAL[result].message) as AuthenticateError;
          error.returnCode = REFUSAL[result].code;
          done(error, false);
        },
        () => {
          const error = new Error('server unavailable') as AuthenticateError;
          error.returnCode = SERVER_UNAVAILABLE;
          done(error, false);
        },
      );
    };
    aedes.authorizePublish = (client, packet, done) => {
      if (client && this.intakePaused) this.pauseClient(client as PausableClient);
      // `client` is null for a Last Will aedes publishes after its client is long gone.
      const deviceId = client ? this.deviceOf.get(client) : undefined;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const answer = once((error?: Error) => done(error ?? null));
      try {
        hooks.publish(deviceId, packet.topic, payload, answer);
      } catch (error) {
        // Not into aedes's packet handling (that would end the process): the client is closed
        // instead and its unacknowledged message comes again.
        answer(error instanceof Error ? error : new Error(String(error)));
      }
    };
    aedes.authorizeSubscribe = (client, subscription, done) => {
      // null refuses this one subscription (SUBACK 0x80) and keeps the connection.
      done(null, hooks.maySubscribe(client ? this.deviceOf.get(client) : undefined, subscription.topic) ? subscription : null);
    };
    aedes.on('client', (client) => {
      const deviceId = this.deviceOf.get(client);
      if (!deviceId) return;
      let set = this.connections.get(deviceId);
      if (!set) this.connections.set(deviceId, (set = new Set()));
      set.add(client);
    });
    aedes.on('clientDisconnect', (client) => {
      const deviceId = this.deviceOf.get(client);
      const set = deviceId ? this.connections.get(deviceId) : undefined;
      set?.delete(client);
      if (set?.size === 0) this.connections.delete(deviceId!);
    });
  }

  /**
   * While paused, each client that publishes stops being read after that message (its
   * backlog waits in its own TCP buffers and on the device), so what the server holds stays
   * bounded by the cap plus one read per connection.
   */
  pauseIntake(): void {
    this.intakePaused = true;
  }

  resumeIntake(): void {
    this.intakePaused = false;
    if (this.paused.size === 0) return;
    for (const [client, forget] of this.paused) {
      client.off('close', forget);
      client.resume();
    }
    this.paused.clear();
  }

  private pauseClient(client: PausableClient): void {
    if (this.paused.has(client)) return;
    client.pause();
    const forget = () => this.paused.delete(client);
    this.paused.set(client, forget);
    client.once('close', forget);
  }

  /** Closes every live connection of the device; returns how many. */
  disconnect(deviceId: string): number {
    const set = this.connections.get(deviceId);
    if (!set) return 0;
    for (const client of set) client.close();
    this.connections.delete(deviceId);
    return set.size;
  }
}
