import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import type { Server, Socket } from 'socket.io';
import type { Actor } from '../domain/actor.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../dtos/live.dto.js';
import { fromWire, toWire } from '../domain/live-share.js';
import { type LiveShare, liveShare, liveShareWire } from '../dtos/live-share.dto.js';
import { RedisRepository } from './redis.repository.js';

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor?: Actor }>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor?: Actor }>;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** The Redis channel of messages between Vigil instances (docs/architecture.md, "Between instances"). */
export const SHARE_CHANNEL = 'vigil:live-share';
/** Where instances before that channel sent them: socket.io's server-side emit; still heard during a rolling upgrade. */
const LEGACY_SHARE_EVENT = 'vigil:live';
/** Each frame on the channel starts with its sender's id, this many bytes, then the JSON. */
export const SENDER_ID_BYTES = 22;

/**
 * socket.io behind one repository. In a process that runs the gateway, emits go through its
 * server, whose Redis adapter fans them out to every instance's sockets; in a process without
 * one (a BullMQ worker, `npm run worker`), through @socket.io/redis-emitter on the same Redis,
 * so the sockets of every instance still get each message exactly once.
 *
 * `share` reaches every instance's LiveStreamService (this one at once, the others over
 * Redis); a message from another instance is validated once on receipt, one of this
 * instance's is delivered as it is. Shares travel on a channel of their own, not by socket.io's
 * server-side emit: that one JSON-parses every message on every instance before it drops the
 * sender's own copy, which at full ingest was a 5,000-row batch's worth of parsing per batch for
 * nothing; here a frame's first bytes name its sender and the sender skips it unread. The
 * methods named local act on this instance's sockets only.
 */
@Injectable()
export class LiveRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('LiveRepository');
  private server?: LiveServer;
  private emitter?: Emitter<ServerToClientEvents>;
  private readonly connections: Redis[] = [];
  private readonly shareListeners: Array<(message: LiveShare) => void> = [];
  /** Starts every frame this instance publishes; URL-safe base64 of 16 random bytes. */
  private readonly senderId = randomBytes(16).toString('base64url');
  private readonly senderIdBytes = Buffer.from(this.senderId);
  private sharePublisher?: Redis;
  /** Set when shutting down: an emit after the Redis connections closed would reject unhandled and end the process. */
  private closed = false;

  constructor(private readonly redis: RedisRepository) {}

  /** The gateway's server: installs the Redis adapter on the configured Redis. */
  attach(server: LiveServer): void {
    const pub = this.connect();
    const sub = this.connect();
    server.adapter(createAdapter(pub, sub));
    server.on(LEGACY_SHARE_EVENT, (message: unknown) => this.receiveLegacy(message));
    const shares = this.connect();
    void shares.subscribe(SHARE_CHANNEL).catch(() => undefined); // ioredis subscribes again after a reconnect
    shares.on('messageBuffer', (_channel: Buffer, frame: Buffer) => this.receiveFrame(frame));
    this.sharePublisher = pub;
    this.server = server;
  }

  get serving(): boolean {
    return this.server !== undefined;
  }

  /** To every socket, on any instance, in any of `rooms` (each socket once). */
  toRooms<E extends EventName>(rooms: string[], event: E, payload: Payload<E>): void {
    if (rooms.length === 0 || this.closed) return;
    if (this.server) this.server.to(rooms).emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
    else
      this.emitterFor()
        .to(rooms)
        .emit(event, ...([payload] as never));
  }

  /** To every instance's subscribers of `onShared`, this one included. */
  share(message: LiveShare): void {
    if (this.closed) return;
    this.deliverShared(message);
    this.sharePublisher ??= this.connect();
    void this.sharePublisher.publish(SHARE_CHANNEL, this.senderId + JSON.stringify(toWire(message))).catch(() => undefined); // Redis down: readiness says so
  }

  onShared(listener: (message: LiveShare) => void): void {
    this.shareListeners.push(listener);
  }

  // ---- this instance's sockets ----

  /** Ids of this instance's sockets in `room`. */
  localMembers(room: string): ReadonlySet<string> {
    return this.server?.of('/').adapter.rooms.get(room) ?? new Set();
  }

  /** Rooms that have at least one of this instance's sockets. */
  localSocketRooms(): string[] {
    return [...(this.server?.of('/').adapter.rooms.keys() ?? [])];
  }

  /** This instance's sockets in `room`, except `except`. */
  emitLocal<E extends EventName>(room: string, event: E, payload: Payload<E>, except: string[] = []): void {
    this.server?.local
      .to(room)
      .except(except)
      .emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
  }

  emitToSocket<E extends EventName>(socketId: string, event: E, payload: Payload<E>): void {
    this.socket(socketId)?.emit(event, ...([payload] as Parameters<ServerToClientEvents[E]>));
  }

  join(socketId: string, rooms: string | string[]): void {
    void this.socket(socketId)?.join(rooms);
  }

  leave(socketId: string, room: string): void {
    void this.socket(socketId)?.leave(room);
  }

  rooms(socketId: string): string[] {
    return [...(this.socket(socketId)?.rooms ?? [])];
  }

  disconnect(socketId: string): void {
    this.socket(socketId)?.disconnect(true);
  }

  /** This instance's connected sockets and who signed them in. */
  localSockets(): Array<{ id: string; actor?: Actor }> {
    return [...(this.server?.of('/').sockets.values() ?? [])].map((socket) => ({ id: socket.id, actor: socket.data.actor }));
  }

  /**
   * Bytes the server holds for a socket that the network has not taken yet: engine.io's write
   * buffer (packets waiting while the transport is busy) plus the WebSocket's own unsent bytes.
   * It grows when the client stops reading: the measure of a client falling behind.
   */
  bufferedBytes(socketId: string): number {
    const conn = this.socket(socketId)?.conn as unknown as
      { writeBuffer: Array<{ data?: string | Buffer }>; transport: { socket?: { bufferedAmount?: number } } } | undefined;
    if (!conn) return 0;
    let bytes = conn.transport.socket?.bufferedAmount ?? 0;
    for (const packet of conn.writeBuffer) bytes += typeof packet.data === 'string' ? Buffer.byteLength(packet.data) : (packet.data?.length ?? 0);
    return bytes;
  }

  /** After Nest has closed the socket.io server (and with it the adapter's subscriptions). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(this.connections.map((connection) => connection.quit().catch(() => connection.disconnect())));
  }

  private socket(id: string): LiveSocket | undefined {
    return this.server?.of('/').sockets.get(id);
  }

  /**
   * A frame on the share channel: this instance's own are skipped unread; another instance's is
   * checked once here for every listener (the local path skips it: at 5,000 rows a batch it was
   * 4 % of the server's busy time).
   */
  private receiveFrame(frame: Buffer): void {
    if (frame.length >= SENDER_ID_BYTES && this.senderIdBytes.equals(frame.subarray(0, SENDER_ID_BYTES))) return;
    let json: unknown;
    try {
      json = JSON.parse(frame.toString('utf8', SENDER_ID_BYTES));
    } catch {
      return this.logger.warn('ignored a live message from another instance that is not JSON');
    }
    const parsed = liveShareWire.safeParse(json);
    if (!parsed.success) return this.logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'ignored a malformed live message from another instance');
    const share = fromWire(parsed.data);
    if ('error' in share) return this.logger.warn({ error: share.error }, 'ignored a malformed live message from another instance');
    this.deliverShared(share);
  }

  /** From an instance of a version before the share channel (a rolling upgrade), by server-side emit. */
  private receiveLegacy(message: unknown): void {
    const parsed = liveShare.safeParse(message);
    if (parsed.success) this.deliverShared(parsed.data);
    else this.logger.warn({ issues: parsed.error.issues.slice(0, 3) }, 'ignored a malformed live message from another instance');
  }

  private deliverShared(message: LiveShare): void {
    for (const listener of this.shareListeners) listener(message);
  }

  private emitterFor(): Emitter<ServerToClientEvents> {
    return (this.emitter ??= new Emitter<ServerToClientEvents>(this.connect()));
  }

  private connect(): Redis {
    const connection = new Redis(this.redis.url, this.redis.options());
    connection.on('error', () => undefined); // reconnects on its own; readiness reports a Redis outage
    this.connections.push(connection);
    return connection;
  }
}
