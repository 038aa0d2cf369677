import type { DeviceEvent, Sample } from '@vigil/server/domain/protocol.js';
import { packSamples } from './messages.js';

/** What a device could not send while it was offline, in the order it happened. */
export type Pending = { kind: 'sample'; sample: Sample } | { kind: 'event'; event: DeviceEvent } | { kind: 'raw'; payload: string };

export interface BackfillMessage {
  topic: 'readings' | 'events';
  payload: string;
  /** Samples it carries (a raw, malformed payload counts as one). */
  samples: number;
}

/**
 * A device's memory for the time it has no connection. Bounded like a real device's flash:
 * beyond `capacity` the oldest entries go (and are counted), so a device that stays offline for
 * days does not grow without end. On reconnect everything is drained at once: the samples as
 * backfill arrays within the protocol's limits, events and raw payloads one per message.
 */
export class OfflineBuffer {
  private items: Pending[] = [];
  private head = 0;
  private lost = 0;

  constructor(readonly capacity = 100_000) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Entries dropped because the buffer was full. */
  get dropped(): number {
    return this.lost;
  }

  push(item: Pending): void {
    this.items.push(item);
    if (this.size > this.capacity) {
      this.head++;
      this.lost++;
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head); // compact now and then, not on every shift
      this.head = 0;
    }
  }

  /** Empties the buffer into the messages that send it: samples first, then events and raw payloads. */
  drain(): BackfillMessage[] {
    const pending = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    const samples = pending.flatMap((p) => (p.kind === 'sample' ? [p.sample] : []));
    const messages: BackfillMessage[] = packSamples(samples).map((m) => ({ topic: 'readings', ...m }));
    for (const p of pending) {
      if (p.kind === 'event') messages.push({ topic: 'events', payload: JSON.stringify(p.event), samples: 0 });
      if (p.kind === 'raw') messages.push({ topic: 'readings', payload: p.payload, samples: 1 });
    }
    return messages;
  }
}
