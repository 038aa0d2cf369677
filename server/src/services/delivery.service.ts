import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { ACKNOWLEDGE_TOKEN_SECONDS, pushPayload, pushUrgency, signedContent, webhookBody } from '../domain/alert-messages.js';
import { type JobData, JobName } from '../dtos/job.dto.js';
import { AlertRepository, toWire } from '../repositories/alert.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { DeliveryRepository } from '../repositories/delivery.repository.js';
import { PushRepository } from '../repositories/push.repository.js';
import { TokenRepository } from '../repositories/token.repository.js';
import { WebhookRepository } from '../repositories/webhook.repository.js';
import { OnJob } from './job-handlers.js';

type Attempt = { attemptsMade: number; final: boolean };

/** The outbound channels: team webhooks and Web Push, each attempt in the delivery log. */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('DeliveryService');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly webhooks: WebhookRepository,
    private readonly push: PushRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly tokens: TokenRepository,
  ) {}

  /** A failure throws, so BullMQ retries with exponential backoff; after the last attempt the delivery is logged dead. */
  @OnJob(JobName.Webhook)
  async webhook(data: JobData<JobName.Webhook>, attempt: Attempt): Promise<void> {
    const [alert, hook] = await Promise.all([this.alerts.get(data.alertId), this.webhooks.get(data.webhookId)]);
    if (!alert || !hook) return;
    const body = webhookBody(toWire(alert), data.change, alert.teamId);
    const timestamp = Math.floor(this.clock.now() / 1000);
    const signature = this.crypto.hmacSha256Hex(hook.secret, signedContent(timestamp, body));
    let error: string | undefined;
    try {
      const status = await this.webhooks.post(hook.url, body, {
        'x-vigil-timestamp': String(timestamp),
        'x-vigil-signature': `v1=${signature}`,
        'x-vigil-delivery': `${alert.id}.${attempt.attemptsMade}`,
      });
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    const recipient = new URL(hook.url).origin; // never the secret, never a query string
    await this.deliveries.record([
      {
        alertId: alert.id,
        level: alert.escalationLevel,
        channel: 'webhook',
        recipient,
        attempt: attempt.attemptsMade,
        status: error ? (attempt.final ? 'dead' : 'failed') : 'sent',
        error,
      },
    ]);
    if (error) {
      if (attempt.final) this.logger.warn({ alertId: alert.id, webhookId: hook.id, attempts: attempt.attemptsMade }, `webhook dead-lettered: ${error}`);
      throw new Error(`webhook ${recipient}: ${error}`);
    }
  }

  @OnJob(JobName.Push)
  async webPush(data: JobData<JobName.Push>, attempt: Attempt): Promise<void> {
    const vapid = this.config.alerts.vapid;
    const [alert, subscription] = await Promise.all([this.alerts.get(data.alertId), this.push.get(data.subscriptionId)]);
    if (!vapid || !alert || !subscription || alert.state === 'resolved') return;
    const wire = toWire(alert);
    // The notification's Acknowledge action: this alert, this subscription's user, nothing else (PushService).
    const token = await this.tokens.signAcknowledge(
      { userId: subscription.userId, alertId: alert.id, subscriptionId: subscription.id },
      ACKNOWLEDGE_TOKEN_SECONDS,
    );
    let error: string | undefined;
    try {
      await this.push.send(subscription, pushPayload(wire, data.level, token), vapid, {
        urgency: pushUrgency(wire),
        ttlSeconds: ACKNOWLEDGE_TOKEN_SECONDS,
        topic: `a${alert.id.replaceAll('-', '').slice(0, 31)}`,
      });
    } catch (failure) {
      const status = (failure as { statusCode?: number }).statusCode;
      error = status ? `HTTP ${status}` : failure instanceof Error ? failure.message : String(failure);
      if (status === 404 || status === 410) {
        await this.push.remove(subscription.id); // the browser dropped the subscription (RFC 8030 7.3)
        attempt = { ...attempt, final: true };
      }
    }
    const recipient = new URL(subscription.endpoint).origin;
    await this.deliveries.record([
      {
        alertId: alert.id,
        level: data.level,
        channel: 'web_push',
        recipient,
        attempt: attempt.attemptsMade,
        status: error ? (attempt.final ? 'dead' : 'failed') : 'sent',
        error,
      },
    ]);
    if (error && !attempt.final) throw new Error(`web push ${recipient}: ${error}`);
  }
}
