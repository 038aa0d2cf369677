import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import type { Server, Socket } from 'socket.io';
import type { Actor } from '../domain/actor.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../dtos/live.dto.js';
import { type LiveShare, liveShare } from '../dtos/live-share.dto.js';
import { RedisRepository } from './redis.repository.js';

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor?: Actor }>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor?: Actor }>;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** A message between Vigil instances, by socket.io's server-side emit over the Redis adapter. */
const SHARE_EVENT = 'vigil:live';

/**
 * socket.io behind one repository. In a process that runs the gateway, emits go through its
 * server, whose Redis adapter fans them out to every instance's sockets; in a process without
 * one (a BullMQ worker, `npm run worker`), through @socket.io/redis-emitter on the same Redis,
 * so the sockets of every instance still get each message exactly once.
 *
 * `share` reaches every instance's LiveStreamService (this one at once, the others over
 * Redis); a message from another instance is validated once on receipt, one of this
 * instance's is delivered as it is. The methods named local act on this instance's sockets only.
 */
@Injectable()
export class LiveRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('LiveRepository');
  private server?: LiveServer;
  private emitter?: Emitter<ServerToClientEvents>;
  private readonly connections: Redis[] = [];
  private readonly shareListeners: Array<(message: LiveShare) => void> = [];
  /** Set when shutting down: an emit after the Redis connections closed would reject unhandled and end the process. */
  private closed = false;

  constructor(private readonly redis: RedisRepository) {}

  /** The gateway's server: installs the Redis adapter on the configured Redis. */
  attach(server: LiveServer): void {
    const pub = this.connect();
    const sub = this.connect();
    server.adapter(createAdapter(pub, sub));
    server.on(SHARE_EVENT, (message: unknown) => this.receiveShared(message));
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
    if (this.server) this.server.serverSideEmit(SHARE_EVENT, message);
    else this.emitterFor().serverSideEmit(SHARE_EVENT, message);
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

  /** From another instance, over Redis: checked once here for every listener (the local path skips it, at 5,000 rows a batch it was 4 % of the server's busy time). */
  private receiveShared(message: unknown): void {
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
