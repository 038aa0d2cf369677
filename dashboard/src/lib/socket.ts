import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ResyncV1, ServerToClientEvents, WatchBody } from '$wire/live.dto';
import { connection } from './state/connection.svelte.js';

type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/**
 * The one socket of the dashboard. Features subscribe with `on()`, which returns the
 * unsubscribe, and watch rooms with `watch()`; the module re-sends every watch after a
 * reconnect (the server forgets rooms with the connection), tells `onReconnect` subscribers so
 * they fetch what they missed, and keeps `connection` up to date, so the layout can say
 * "reconnecting … data may be stale since 10:42". On `resync.v1` (the server took the socket out
 * of a room: it fell behind, or its user may no longer see the room) it watches that room again
 * first and only then calls the views' `resync.v1` handlers, which refetch: what is stored after
 * their refetch reaches them live.
 */
let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
const watches = new Map<string, { body: WatchBody; count: number }>();
const handlers = new Map<EventName, Set<(payload: never) => void>>();
const reconnectHandlers = new Set<() => void>();
/** After the server ended the connection (a client that fell far behind), wait this long before connecting again. */
const SERVER_DISCONNECT_RETRY_MS = 1_000;
/** Not attached to the socket: `resynced` calls these after watching again. */
const RESYNC = 'resync.v1';

/**
 * Opens the socket. `renew` gets a fresh access token when the server refused the handshake (a
 * token that expired while the device slept): socket.io does not retry such a refusal by itself.
 */
export function connect(token: () => string | undefined, renew: () => Promise<boolean>): void {
  if (socket) return;
  const current = (socket = io({ path: '/socket.io', transports: ['websocket'], auth: (cb) => cb({ token: token() }) }));
  let connectedBefore = false;
  current.on('connect', () => {
    connection.connected();
    for (const { body } of watches.values()) void send('watch', body);
    if (connectedBefore) for (const handler of reconnectHandlers) handler();
    connectedBefore = true;
  });
  current.on('disconnect', (reason) => {
    connection.disconnected();
    // socket.io reconnects by itself after a network loss, not after the server ended the
    // connection; a session the server revoked is then refused at the handshake.
    if (reason === 'io server disconnect') setTimeout(() => socket === current && current.connect(), SERVER_DISCONNECT_RETRY_MS);
  });
  current.on('connect_error', () => {
    connection.disconnected();
    // A refused handshake leaves the socket inactive; a network error does not (socket.io retries).
    if (current.active) return;
    void renew().then((ok) => ok && setTimeout(() => socket === current && current.connect(), SERVER_DISCONNECT_RETRY_MS));
  });
  current.on(RESYNC, (resync: ResyncV1) => void resynced(resync));
  for (const [event, set] of handlers) if (event !== RESYNC) for (const handler of set) current.on(event, handler as never);
}

async function resynced(resync: ResyncV1): Promise<void> {
  const entry = watches.get(resync.patientId ? `patient:${resync.patientId}` : `team:${resync.teamId}`);
  if (entry) await send('watch', entry.body);
  for (const handler of handlers.get(RESYNC) ?? []) (handler as (payload: ResyncV1) => void)(resync);
}

export function disconnect(): void {
  socket?.disconnect();
  socket = undefined;
  watches.clear();
  connection.reset();
}

export function on<E extends EventName>(event: E, handler: (payload: Payload<E>) => void): () => void {
  const set = handlers.get(event) ?? new Set();
  handlers.set(event, set);
  set.add(handler);
  if (event !== RESYNC) socket?.on(event, handler as never);
  return () => {
    set.delete(handler);
    if (event !== RESYNC) socket?.off(event, handler as never);
  };
}

/**
 * Called after each reconnect (not the first connect): what was pushed while away is not
 * replayed, so a view fetches its state again. Returns the unsubscribe.
 */
export function onReconnect(handler: () => void): () => void {
  reconnectHandlers.add(handler);
  return () => reconnectHandlers.delete(handler);
}

function keyOf(body: WatchBody): string {
  return 'patientId' in body ? `patient:${body.patientId}` : `team:${body.teamId}`;
}

function send(event: 'watch' | 'unwatch', body: WatchBody): Promise<Ack> {
  return new Promise((resolve) => {
    if (!socket?.connected) return resolve({ error: 'not connected' });
    socket.timeout(10_000).emit(event, body, (error: Error | null, answer: Ack) => resolve(error ? { error: error.message } : answer));
  });
}

/** Joins a room until the returned function is called; counted, so two views can share a room. */
export function watch(body: WatchBody): () => void {
  const key = keyOf(body);
  const entry = watches.get(key);
  if (entry) entry.count++;
  else {
    watches.set(key, { body, count: 1 });
    void send('watch', body);
  }
  return () => {
    const current = watches.get(key);
    if (!current) return;
    if (--current.count > 0) return;
    watches.delete(key);
    void send('unwatch', 'patientId' in body ? { patientId: body.patientId } : body);
  };
}
