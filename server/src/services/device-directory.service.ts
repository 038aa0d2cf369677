import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { DEVICE_ID, deviceIdOf } from '../domain/protocol.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type DeviceChange, DeviceChangeRepository } from '../repositories/device-change.repository.js';
import { type DeviceCredentials, DeviceRepository } from '../repositories/device.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';

/** Entries beyond this are evicted oldest first (a cache, not a copy of the table). */
const MAX_ENTRIES = 100_000;

/**
 * Who a device is, for the broker hooks and the ingest pipeline: its hashed secret, whether it
 * is revoked, and the patient it is linked to. Cached (the lookup is on every connect and
 * every message), dropped when `device.changed` is emitted here or on any other instance
 * (Redis pub/sub), and expired after VIGIL_DEVICE_CACHE_SECONDS as a backstop for changes
 * made where no event is emitted.
 */
@Injectable()
export class DeviceDirectoryService {
  private readonly logger = new Logger('DeviceDirectoryService');
  private readonly cache = new Map<string, { device: DeviceCredentials | null; expires: number }>();
  private readonly loading = new Map<string, Promise<DeviceCredentials | null>>();
  /** Changes that came from another instance: re-emitted here, not published back. */
  private readonly remote = new WeakSet<DeviceChange>();
  private readonly ttlMs: number;
  private unsubscribe?: () => void;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly devices: DeviceRepository,
    private readonly crypto: CryptoRepository,
    private readonly events: EventBusRepository,
    private readonly changes: DeviceChangeRepository,
    private readonly clock: ClockRepository,
  ) {
    this.ttlMs = config.ingest.deviceCacheSeconds * 1000;
  }

  /** Starts listening for changes, local and from other instances. */
  async start(): Promise<void> {
    this.unsubscribe = this.events.on('device.changed', (change) => {
      this.forget(change.deviceId);
      if (this.remote.has(change)) return;
      this.changes.publish(change).catch((error: unknown) => this.logger.warn({ err: error }, 'could not tell other instances of a device change'));
    });
    await this.changes.subscribe((change) => {
      this.remote.add(change);
      this.events.emit('device.changed', change);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.changes.close();
  }

  /** The cached entry: a device, null for a known-unknown id, undefined when it must be loaded. */
  peek(id: string, now = this.clock.now()): DeviceCredentials | null | undefined {
    const entry = this.cache.get(id);
    if (!entry) return undefined;
    if (entry.expires < now) {
      this.cache.delete(id);
      return undefined;
    }
    return entry.device;
  }

  /** The device with this id, or null; concurrent lookups of one id share one query. */
  get(id: string): Promise<DeviceCredentials | null> {
    return Promise.resolve(this.find(id));
  }

  /**
   * Like `get`, but at once (no promise) when the answer is known without a query: a cached
   * entry, or an id that is no UUID. The ingest path takes each message this way.
   */
  find(id: string): DeviceCredentials | null | Promise<DeviceCredentials | null> {
    const cached = this.peek(id);
    if (cached !== undefined) return cached;
    if (!DEVICE_ID.test(id)) return null;
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.devices
        .findCredentials(id)
        .then((device) => {
          // A change that arrived while the query ran must not be overwritten by its result.
          if (this.loading.get(id) === pending) this.remember(id, device ?? null);
          return device ?? null;
        })
        .finally(() => {
          if (this.loading.get(id) === pending) this.loading.delete(id);
        });
      this.loading.set(id, pending);
    }
    return pending;
  }

  /**
   * Checks MQTT credentials (username = device id, password = device secret) for both brokers:
   * the id of the device they sign in as, in its canonical form, or undefined (not a device id,
   * unknown, revoked, or a wrong secret).
   */
  async authenticate(username: string | undefined, password: string | undefined): Promise<string | undefined> {
    const id = username && deviceIdOf(username);
    if (!id || !password) return undefined;
    const device = await this.get(id);
    return device && !device.revokedAt && this.crypto.secretMatches(device.secretHash, password) ? id : undefined;
  }

  /** Drops an entry now (also what `device.changed` does). */
  forget(id: string): void {
    this.cache.delete(id);
    this.loading.delete(id);
  }

  private remember(id: string, device: DeviceCredentials | null): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { device, expires: this.clock.now() + this.ttlMs });
  }
}
