import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/app.config.js';
import { type BatchWork, type DeadLetter, type ReadingRow, WriteBatch } from '../domain/ingest-batch.js';
import { FakeClock } from '../repositories/clock.fake.js';
import type { Transaction } from '../repositories/database.repository.js';
import type { DeadLetterRepository } from '../repositories/dead-letter.repository.js';
import type { DeviceEventRepository } from '../repositories/device-event.repository.js';
import type { DeviceRepository } from '../repositories/device.repository.js';
import type { EventBusRepository } from '../repositories/event-bus.repository.js';
import { MetricsRepository } from '../repositories/metrics.repository.js';
import type { ReadingRepository } from '../repositories/reading.repository.js';
import { IngestMetrics } from './ingest-metrics.js';
import { type Ack, IngestStoppedError, IngestWriterService } from './ingest-writer.service.js';

/** The writer over fake repositories that record what each write stores. */
function writerWithFakes({ failures = 0, refuse = (_row: ReadingRow) => false } = {}) {
  const clock = new FakeClock();
  const written = { readings: [] as ReadingRow[][], deadLetters: [] as DeadLetter[][] };
  let failing = failures;
  const readings = {
    insertNewThen: async <T>(rows: ReadingRow[], rest: (tx: Transaction) => Promise<T>) => {
      if (failing-- > 0) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      if (rows.some(refuse)) throw Object.assign(new Error('value out of range'), { code: '22003' });
      if (rows.length) written.readings.push(rows);
      return { inserted: rows, result: await rest({} as Transaction) };
    },
  } as unknown as ReadingRepository;
  const deadLetters = {
    insert: async (letters: DeadLetter[]) => {
      if (letters.length) written.deadLetters.push(letters);
    },
  } as unknown as DeadLetterRepository;
  const deviceEvents = { insert: async () => undefined } as unknown as DeviceEventRepository;
  const devices = { applyStatuses: async () => undefined, markSeen: async () => [] } as unknown as DeviceRepository;
  const events = { emit: () => undefined } as unknown as EventBusRepository;
  const config = loadConfig({ VIGIL_INGEST_BATCH_MS: '50' }, '/srv/vigil');
  const metrics = new MetricsRepository();
  const writer = new IngestWriterService(config, readings, deviceEvents, devices, deadLetters, events, new IngestMetrics(metrics), clock);
  return { writer, written, metrics, clock };
}

const letter = (detail: string): DeadLetter => ({
  receivedAt: new Date(),
  topic: 'vigil/v1/devices/x/readings',
  deviceId: null,
  reason: 'bad_json',
  detail,
  payloadExcerpt: Buffer.from('{'),
});
const reading: ReadingRow = { time: new Date(0), patientId: 'p', deviceId: 'd', metric: 'hr', value: 70 };

/** An acknowledgement that throws the first time it is called (a transport gone wrong). */
function throwingOnce(): Ack {
  let thrown = false;
  return () => {
    if (thrown) return;
    thrown = true;
    throw new Error('the transport failed to acknowledge');
  };
}

describe('IngestWriterService: settling a committed batch', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  const works: Array<[string, BatchWork]> = [
    ['dead letters (one transaction)', { deadLetters: [letter('a')] }],
    ['readings only', { readings: [reading] }],
  ];

  it.each(works)('writes a batch of %s once and acknowledges each message once when an acknowledgement throws', async (_name, work) => {
    const { writer, written } = writerWithFakes();
    const acks: Array<Error | undefined> = [];
    writer.submit(work, (error) => acks.push(error));
    writer.submit(work, throwingOnce());
    writer.submit(work, (error) => acks.push(error));
    await writer.drain(2000);
    expect(written.readings.length + written.deadLetters.length).toBe(1);
    expect(acks).toEqual([undefined, undefined]);
    expect(writer.inFlight).toBe(0);
  });

  it('writes a batch once when a settled listener throws, and still calls the other listeners', async () => {
    const { writer, written } = writerWithFakes();
    let thrown = false;
    let heard = 0;
    writer.onSettled(() => {
      if (thrown) return;
      thrown = true;
      throw new Error('a listener failed');
    });
    writer.onSettled(() => heard++);
    const acks: Array<Error | undefined> = [];
    writer.submit({ deadLetters: [letter('b')] }, (error) => acks.push(error));
    await writer.drain(2000);
    expect(written.deadLetters).toHaveLength(1);
    expect(acks).toEqual([undefined]);
    expect(heard).toBe(1);
    expect(writer.inFlight).toBe(0);
  });

  it('reports what is in flight at each scrape', async () => {
    const { writer, metrics } = writerWithFakes();
    const inFlight = async () => (await metrics.registry.getSingleMetric('vigil_ingest_in_flight_messages')!.get()).values[0].value;
    writer.submit({ readings: [reading] }, () => undefined);
    writer.submit({ readings: [reading] }, () => undefined);
    expect(await inFlight()).toBe(2);
    await writer.drain(2000);
    expect(await inFlight()).toBe(0);
  });

  it('sorts a batch once, however often its write is retried', async () => {
    const { writer, written, clock } = writerWithFakes({ failures: 2 });
    const sorts = jest.spyOn(WriteBatch.prototype, 'sortedReadings');
    writer.submit({ readings: [reading] }, () => undefined);
    const drained = writer.drain(60_000);
    await clock.runUntil(() => writer.inFlight === 0);
    await drained;
    expect(written.readings).toEqual([[reading]]);
    expect(sorts).toHaveBeenCalledTimes(1);
    sorts.mockRestore();
  });
});

describe('IngestWriterService: timing, on a fake clock', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('writes a batch that is not full when it is VIGIL_INGEST_BATCH_MS old (50 ms here), not before', async () => {
    const { writer, written, clock } = writerWithFakes();
    const acks: Array<Error | undefined> = [];
    writer.submit({ readings: [reading] }, (error) => acks.push(error));
    await clock.advance(49);
    expect(written.readings).toEqual([]);
    expect(acks).toEqual([]);
    await clock.advance(1);
    expect(written.readings).toEqual([[reading]]);
    expect(acks).toEqual([undefined]);
  });

  it('holds the acknowledgement while writes fail and retries after 100 ms, then 200 ms', async () => {
    const { writer, written, clock } = writerWithFakes({ failures: 2 });
    const acks: Array<Error | undefined> = [];
    writer.submit({ readings: [reading] }, (error) => acks.push(error));
    await clock.advance(50); // due: first attempt fails
    await clock.advance(99);
    expect(written.readings).toEqual([]); // the retry is not yet due
    await clock.advance(1); // second attempt fails
    await clock.advance(199);
    expect(written.readings).toEqual([]);
    expect(acks).toEqual([]);
    await clock.advance(1); // third attempt succeeds
    expect(written.readings).toEqual([[reading]]);
    expect(acks).toEqual([undefined]);
  });

  it('refuses what it could not write when stopping takes longer than the deadline', async () => {
    const { writer, written, clock } = writerWithFakes({ failures: Infinity });
    const acks: Array<Error | undefined> = [];
    writer.submit({ readings: [reading] }, (error) => acks.push(error));
    const drained = writer.drain(3000);
    await clock.advance(2999);
    expect(acks).toEqual([]);
    await clock.advance(1 + 5000 + 1000); // the deadline, the retry that sees it, the grace second
    await drained;
    expect(written.readings).toEqual([]);
    expect(acks).toHaveLength(1);
    expect(acks[0]).toBeInstanceOf(IngestStoppedError);
    expect(writer.inFlight).toBe(0);
  });
});

describe('IngestWriterService: a message the database refuses', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('dead-letters the message at fault as storage_refused and commits and acknowledges the others', async () => {
    const bad = { ...reading, value: 1e308 };
    const { writer, written, metrics, clock } = writerWithFakes({ refuse: (row) => row.value === bad.value });
    const acks: string[] = [];
    const origin = { topic: 'vigil/v1/devices/d/readings', deviceId: 'd', receivedAt: new Date(0), payloadExcerpt: Buffer.from('{"bad"}') };
    writer.submit({ readings: [{ ...reading, time: new Date(1) }] }, (error) => acks.push(`1:${error?.message ?? 'ok'}`));
    writer.submit({ readings: [bad], origin }, (error) => acks.push(`2:${error?.message ?? 'ok'}`));
    writer.submit({ readings: [{ ...reading, time: new Date(3) }] }, (error) => acks.push(`3:${error?.message ?? 'ok'}`));
    await clock.runUntil(() => writer.inFlight === 0);
    expect(acks.sort()).toEqual(['1:ok', '2:ok', '3:ok']);
    expect(written.readings.flat().map((r) => r.time.getTime())).toEqual([1, 3]);
    expect(written.deadLetters).toHaveLength(1);
    const [refused] = written.deadLetters[0];
    expect(refused).toMatchObject({
      reason: 'storage_refused',
      topic: origin.topic,
      deviceId: 'd',
      detail: "22003: value out of range (the message's 1 reading(s))",
    });
    expect(Buffer.from(refused.payloadExcerpt).toString()).toBe('{"bad"}');
    await new Promise((resolve) => setImmediate(resolve)); // the batch's retries are observed once its last part settles
    const retries = (await metrics.registry.getSingleMetric('vigil_ingest_batch_retries')!.get()).values.find((v) => v.metricName?.endsWith('_sum'));
    expect(retries?.value).toBe(3); // failed: the whole batch, messages 1–2, message 2
  });

  it('reports a stall only when messages wait and nothing committed for longer than VIGIL_INGEST_STALL_SECONDS (60)', async () => {
    const { writer, clock } = writerWithFakes({ failures: Infinity });
    expect(writer.stall()).toBeUndefined();
    writer.submit({ readings: [reading] }, () => undefined);
    await clock.advance(60_000);
    expect(writer.stall()).toBeUndefined();
    await clock.advance(1_000);
    expect(writer.stall()).toMatchObject({ waiting: 1, oldestWaitingSeconds: 61, secondsSinceCommit: 61 });
    expect(writer.stall()?.reason).toBe('no ingest write has committed for 61 s while 1 message(s) wait (bound: 60 s)');
  });
});
