import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import {
  type Ack,
  alertV1,
  type ClientToServerEvents,
  deviceStatusV1,
  overviewTickV1,
  readingBatchV1,
  resyncV1,
  SERVER_EVENTS,
  type ServerToClientEvents,
  type WatchBody,
} from '../../server/src/dtos/live.dto.js';

const SCHEMAS: Record<string, z.ZodType> = {
  [SERVER_EVENTS.readingBatch]: readingBatchV1,
  [SERVER_EVENTS.overviewTick]: overviewTickV1,
  [SERVER_EVENTS.alert]: alertV1,
  [SERVER_EVENTS.deviceStatus]: deviceStatusV1,
  [SERVER_EVENTS.resync]: resyncV1,
};

export interface LiveClient {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Every server event received, in order, each validated against the contract's schema. */
  received: Array<{ event: string; payload: unknown }>;
  /** Events whose payload did not match the contract (should stay empty). */
  invalid: Array<{ event: string; issues: unknown }>;
  of<T = unknown>(event: string): T[];
  /** Every sample of `reading.batch.v1` for a patient, flattened to `deviceId|metric|epoch ms=value`. */
  values(patientId: string): string[];
  watch(body: WatchBody | Record<string, unknown>): Promise<Ack>;
  unwatch(body: WatchBody | Record<string, unknown>): Promise<Ack>;
  close(): void;
}

/** A real socket.io client (WebSocket transport) of the platform; resolves once connected or rejects with the connect error. */
export async function connectLive(baseUrl: string, token: string | undefined): Promise<LiveClient> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    auth: token === undefined ? {} : { token },
    forceNew: true,
  });
  const received: LiveClient['received'] = [];
  const invalid: LiveClient['invalid'] = [];
  socket.onAny((event: string, payload: unknown) => {
    received.push({ event, payload });
    const checked = SCHEMAS[event]?.safeParse(payload);
    if (!checked || !checked.success) invalid.push({ event, issues: checked?.error.issues ?? 'unknown event' });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  const ask = (event: 'watch' | 'unwatch', body: unknown) =>
    new Promise<Ack>((resolve) => socket.emit(event, body as WatchBody, (answer: Ack) => resolve(answer)));
  return {
    socket,
    received,
    invalid,
    of: <T>(event: string) => received.filter((r) => r.event === event).map((r) => r.payload as T),
    values(patientId: string) {
      return received
        .filter((r) => r.event === SERVER_EVENTS.readingBatch && (r.payload as { patientId: string }).patientId === patientId)
        .flatMap((r) =>
          (r.payload as z.infer<typeof readingBatchV1>).samples.flatMap((s) =>
            Object.entries(s.m).map(([metric, value]) => `${s.deviceId}|${metric}|${Date.parse(s.t)}=${value}`),
          ),
        );
    },
    watch: (body) => ask('watch', body),
    unwatch: (body) => ask('unwatch', body),
    close: () => void socket.close(),
  };
}

/** The values a device message carries, in the form LiveClient.values gives them. */
export function valuesOf(deviceId: string, samples: Array<{ t: number; m: Record<string, number> }>): string[] {
  return samples.flatMap((s) => Object.entries(s.m).map(([metric, value]) => `${deviceId}|${metric}|${s.t}=${value}`));
}
