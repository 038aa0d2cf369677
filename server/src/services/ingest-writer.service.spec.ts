import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/app.config.js';
import type { BatchWork, DeadLetter, ReadingRow } from '../domain/ingest-batch.js';
import type { DatabaseRepository, Transaction } from '../repositories/database.repository.js';
import type { DeadLetterRepository } from '../repositories/dead-letter.repository.js';
import type { DeviceEventRepository } from '../repositories/device-event.repository.js';
import type { DeviceRepository } from '../repositories/device.repository.js';
import type { EventRepository } from '../repositories/event.repository.js';
import { MetricsRepository } from '../repositories/metrics.repository.js';
import type { ReadingRepository } from '../repositories/reading.repository.js';
import { IngestMetrics } from './ingest-metrics.js';
import { type Ack, IngestWriterService } from './ingest-writer.service.js';

/** The writer over fake repositories that record what each write stores. */
function writerWithFakes() {
  const written = { readings: [] as ReadingRow[][], deadLetters: [] as DeadLetter[][] };
  const db = { transaction: (work: (tx: Transaction) => Promise<unknown>) => work({} as Transaction) } as unknown as DatabaseRepository;
  const readings = {
    insertNew: async (rows: ReadingRow[]) => {
      if (rows.length) written.readings.push(rows);
      return rows;
    },
  } as unknown as ReadingRepository;
  const deadLetters = {
    insert: async (letters: DeadLetter[]) => {
      if (letters.length) written.deadLetters.push(letters);
    },
  } as unknown as DeadLetterRepository;
  const deviceEvents = { insert: async () => undefined } as unknown as DeviceEventRepository;
  const devices = { applyStatuses: async () => undefined } as unknown as DeviceRepository;
  const events = { emit: () => undefined } as unknown as EventRepository;
  const config = loadConfig({ VIGIL_INGEST_BATCH_MS: '1' }, '/srv/vigil');
  const writer = new IngestWriterService(config, db, readings, deviceEvents, devices, deadLetters, events, new IngestMetrics(new MetricsRepository()));
  return { writer, written };
}

const letter = (detail: string): DeadLetter => ({
  receivedAt: new Date(),
  topic: 'vigil/v1/devices/x/readings',
  deviceId: null,
  reason: 'bad_json',
  detail,
  payloadExcerpt: '{',
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
    ['readings only (one statement)', { readings: [reading] }],
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
});
