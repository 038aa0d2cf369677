import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { BatchWork, DeadLetter } from '../domain/ingest-batch.js';
import { payloadExcerpt, type Rejection, validateMessage } from '../domain/ingest-validation.js';
import { once } from '../domain/once.js';
import { type MessageKind, parseTopic, type RejectReason } from '../domain/protocol.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import type { DeviceCredentials } from '../repositories/device.repository.js';
import { DeviceDirectoryService } from './device-directory.service.js';
import { IngestMetrics } from './ingest-metrics.js';
import { type Ack, IngestWriterService } from './ingest-writer.service.js';

export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  /** The device the broker authenticated (embedded broker); undefined from an external broker. */
  authenticatedAs?: string;
}

/** Refusal of a message a device may not publish at all: the embedded broker closes its connection. */
export class TopicRefusedError extends Error {}

const DAY_MS = 24 * 3600 * 1000;

/**
 * One device message, from whichever broker: topic → device → patient, validation, then into
 * the write batch. Every rejection is counted and dead-lettered in the same batch, and the
 * message is acknowledged once that batch commits (a malformed message is never redelivered
 * for ever). Only a topic the device may not publish on is refused instead (see docs/protocol.md).
 * A message the server fails on (a bug) is dead-lettered as `processing_failed` the same way:
 * it must neither end the process nor come back for ever.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('IngestService');
  private readonly retentionMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly directory: DeviceDirectoryService,
    private readonly writer: IngestWriterService,
    private readonly metrics: IngestMetrics,
    private readonly clock: ClockRepository,
  ) {
    this.retentionMs = config.retentionDays * DAY_MS;
  }

  ingest(message: DeviceMessage, ack: Ack): void {
    const receivedAt = this.clock.date();
    const answer = once(ack);
    try {
      this.route(message, receivedAt, answer);
    } catch (error) {
      this.failedOn(message, receivedAt, error, answer);
    }
  }

  private route(message: DeviceMessage, receivedAt: Date, ack: Ack): void {
    const topic = parseTopic(message.topic);
    if (!topic) return this.refuse(message, null, 'unknown_topic', 'not a device protocol v1 topic', ack);
    this.metrics.messages.inc({ kind: topic.kind });
    if (message.authenticatedAs !== undefined && topic.deviceId !== message.authenticatedAs) {
      return this.refuse(message, message.authenticatedAs, 'topic_mismatch', `published by device ${message.authenticatedAs}`, ack);
    }
    const found = this.directory.find(topic.deviceId);
    if (!(found instanceof Promise)) return this.accept(message, topic.kind, topic.deviceId, found, receivedAt, ack);
    found
      .then(
        (device) => this.accept(message, topic.kind, topic.deviceId, device, receivedAt, ack),
        (error: Error) => ack(error), // database down: not acknowledged, so it comes again
      )
      .catch((error: unknown) => this.failedOn(message, receivedAt, error, ack));
  }

  /** Dead-letters a message the server failed on; acknowledged after the commit like any rejection. */
  private failedOn(message: DeviceMessage, receivedAt: Date, error: unknown, ack: Ack): void {
    this.logger.error({ err: error, topic: message.topic }, 'processing a device message failed; it is dead-lettered as processing_failed');
    try {
      const deviceId = message.authenticatedAs ?? parseTopic(message.topic)?.deviceId ?? null;
      const detail = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
      this.writer.submit({ deadLetters: this.deadLetters(message, deviceId, receivedAt, [{ reason: 'processing_failed', detail }]) }, ack);
    } catch (again) {
      ack(again as Error); // not even that: left unacknowledged
    }
  }

  private accept(message: DeviceMessage, kind: MessageKind, deviceId: string, device: DeviceCredentials | null, receivedAt: Date, ack: Ack): void {
    const whole = (reason: RejectReason, detail: string) =>
      this.writer.submit({ deadLetters: this.deadLetters(message, deviceId, receivedAt, [{ reason, detail }]) }, ack);
    if (!device) return whole('unknown_device', 'no device has this id');
    if (device.revokedAt) return whole('device_revoked', `revoked at ${device.revokedAt.toISOString()}`);
    const result = validateMessage(kind, message.payload, { now: receivedAt.getTime(), retentionMs: this.retentionMs });
    const patientId = device.patientId;
    if (!patientId && kind !== 'status' && (result.points.length || result.event)) {
      return whole('device_unlinked', 'the device is not linked to a patient');
    }
    const work: BatchWork = {};
    if (result.points.length) {
      work.readings = result.points.map((p) => ({ time: new Date(p.time), patientId: patientId!, deviceId, metric: p.metric, value: p.value }));
    }
    if (result.event) work.event = { ...result.event, time: new Date(result.event.time), patientId: patientId!, deviceId };
    if (result.status) work.status = { ...result.status, deviceId, receivedAt };
    if (result.rejections.length) work.deadLetters = this.deadLetters(message, deviceId, receivedAt, result.rejections);
    this.writer.submit(work, ack);
  }

  /** Dead-letters the message and refuses it at once, without waiting for the write. */
  private refuse(message: DeviceMessage, deviceId: string | null, reason: RejectReason, detail: string, ack: Ack): void {
    const letters = this.deadLetters(message, deviceId, this.clock.date(), [{ reason, detail }]);
    this.writer.submit({ deadLetters: letters }, () => undefined);
    ack(new TopicRefusedError(`${reason}: ${message.topic}`));
  }

  private deadLetters(message: DeviceMessage, deviceId: string | null, receivedAt: Date, rejections: Rejection[]): DeadLetter[] {
    const excerpt = payloadExcerpt(message.payload);
    return rejections.map(({ reason, detail }) => {
      this.metrics.rejects.inc({ reason });
      return { receivedAt, topic: message.topic.slice(0, 256), deviceId, reason, detail, payloadExcerpt: excerpt };
    });
  }
}
