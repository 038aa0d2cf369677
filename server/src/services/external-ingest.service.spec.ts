import { describe, expect, it } from '@jest/globals';
import { type AppConfig, loadConfig } from '../config/app.config.js';
import type { ClockRepository } from '../repositories/clock.repository.js';
import type { DatabaseRepository, HeldLock } from '../repositories/database.repository.js';
import type { ConsumerOptions, MqttConsumerRepository } from '../repositories/mqtt-consumer.repository.js';
import type { BrokerWatchService } from './broker-watch.service.js';
import { ExternalIngestService } from './external-ingest.service.js';
import type { IngestService } from './ingest.service.js';

/** The broker side: which sessions were started with what, and which are running. */
class FakeConsumer {
  started: ConsumerOptions[] = [];
  running = false;
  start(options: ConsumerOptions) {
    this.started.push(options);
    this.running = true;
    return Promise.resolve();
  }
  stop() {
    this.running = false;
    return Promise.resolve();
  }
  publish() {
    return Promise.resolve();
  }
}

/** The lease: free or held by another instance; a lock handed out can be lost. */
class FakeLocks {
  heldElsewhere = false;
  asked: string[] = [];
  given: Array<HeldLock & { released: boolean; lose(): void }> = [];
  tryHoldLock(name: string): Promise<HeldLock | undefined> {
    this.asked.push(name);
    if (this.heldElsewhere) return Promise.resolve(undefined);
    let lose!: () => void;
    const lost = new Promise<void>((resolve) => (lose = resolve));
    const lock = {
      lost,
      released: false,
      lose,
      release() {
        lock.released = true;
        lose();
      },
    };
    this.given.push(lock);
    return Promise.resolve(lock);
  }
}

/** sleep() resolves when the test says the time has passed. */
class FakeClock {
  private sleepers: Array<() => void> = [];
  sleep() {
    return new Promise<void>((resolve) => this.sleepers.push(resolve));
  }
  every() {
    return { cancel: () => undefined };
  }
  pass() {
    this.sleepers.splice(0).forEach((wake) => wake());
  }
}

const watch = { start: () => undefined, stop: () => undefined, counter: () => undefined, canaryReceived: () => undefined };
/** Every pending promise of the fakes settled (they all resolve at once). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function service(env: Record<string, string>) {
  const config: AppConfig = loadConfig({ MQTT_URL: 'mqtt://broker:1884', VIGIL_MQTT_SHARE_GROUP: 'ward', VIGIL_MQTT_CLIENT_ID: 'vigil-a', ...env }, '/srv');
  const consumer = new FakeConsumer();
  const locks = new FakeLocks();
  const clock = new FakeClock();
  const ingest = new ExternalIngestService(
    config,
    consumer as unknown as MqttConsumerRepository,
    {} as IngestService,
    watch as unknown as BrokerWatchService,
    locks as unknown as DatabaseRepository,
    clock as unknown as ClockRepository,
  );
  return { ingest, consumer, locks, clock };
}

const EXCLUSIVE = { VIGIL_MQTT_SUBSCRIPTION: 'exclusive', DATABASE_URL: 'postgres://db/vigil' };

describe('ExternalIngestService', () => {
  it('shared: this instance’s own sessions in the shared group, no lease', async () => {
    const { ingest, consumer, locks } = service({ VIGIL_MQTT_CONSUMERS: '3' });
    await ingest.start('mqtt://broker:1884');
    expect(consumer.started.map(({ clientId, connections, topics }) => ({ clientId, connections, topics }))).toEqual([
      {
        clientId: 'vigil-a',
        connections: 3,
        topics: ['$share/ward/vigil/v1/devices/+/readings', '$share/ward/vigil/v1/devices/+/events', '$share/ward/vigil/v1/devices/+/status'],
      },
    ]);
    expect([ingest.role, locks.asked]).toEqual(['shared', []]);
  });

  it('exclusive with the lease free: consumes through the group’s one session with plain subscriptions', async () => {
    const { ingest, consumer, locks } = service(EXCLUSIVE);
    await ingest.start('mqtt://broker:1884');
    expect(consumer.started.map(({ clientId, connections, topics }) => ({ clientId, connections, topics }))).toEqual([
      { clientId: 'ward-ingest', connections: 1, topics: ['vigil/v1/devices/+/readings', 'vigil/v1/devices/+/events', 'vigil/v1/devices/+/status'] },
    ]);
    expect(typeof consumer.started[0].onSessionTakenOver).toBe('function');
    expect([ingest.role, consumer.running, locks.asked]).toEqual(['active', true, ['vigil.mqtt-ingest:ward-ingest']]);
  });

  it('exclusive with the lease held elsewhere: stands by, asks again, and consumes once it is free', async () => {
    const { ingest, consumer, locks, clock } = service(EXCLUSIVE);
    locks.heldElsewhere = true;
    await ingest.start('mqtt://broker:1884');
    expect([ingest.role, consumer.started.length]).toEqual(['standby', 0]);
    clock.pass();
    await settle();
    expect([ingest.role, consumer.started.length, locks.asked.length]).toEqual(['standby', 0, 2]);
    locks.heldElsewhere = false;
    clock.pass();
    await settle();
    expect([ingest.role, consumer.running]).toEqual(['active', true]);
  });

  it('exclusive: a lost lease stops consuming and stands by until the lease can be had again', async () => {
    const { ingest, consumer, locks, clock } = service(EXCLUSIVE);
    await ingest.start('mqtt://broker:1884');
    locks.heldElsewhere = true;
    locks.given[0].lose();
    await settle();
    expect([ingest.role, consumer.running]).toEqual(['standby', false]);
    locks.heldElsewhere = false;
    clock.pass();
    await settle();
    expect([ingest.role, consumer.running, consumer.started.length]).toEqual(['active', true, 2]);
  });

  it('exclusive: taken over by another connection, it stops, releases the lease and does not take the session back while the lease is held', async () => {
    const { ingest, consumer, locks } = service(EXCLUSIVE);
    await ingest.start('mqtt://broker:1884');
    locks.heldElsewhere = true; // the instance that took the session over holds the lease now
    consumer.started[0].onSessionTakenOver!();
    await settle();
    expect([ingest.role, consumer.running, locks.given[0].released, consumer.started.length]).toEqual(['standby', false, true, 1]);
  });

  it('exclusive: stop ends the turn and releases the lease', async () => {
    const { ingest, consumer, locks } = service(EXCLUSIVE);
    await ingest.start('mqtt://broker:1884');
    ingest.stopIntake();
    await ingest.stop();
    expect([consumer.running, locks.given[0].released]).toEqual([false, true]);
  });
});
