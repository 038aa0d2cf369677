import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../domain/errors.js';
import type { PushSubscriptionBody } from '../dtos/push.dto.js';
import { type PushDevice, PushRepository } from '../repositories/push.repository.js';
import { TokenRepository } from '../repositories/token.repository.js';
import { AlertService } from './alert.service.js';
import { AuditService } from './audit.service.js';
import type { ClientInfo } from './lockout.service.js';

const TOKEN_REFUSED = 'this acknowledge link is not valid or has expired; open Vigil to acknowledge the alert';

/**
 * Web Push for the signed-in user: the server's VAPID key, the user's subscriptions (one per
 * device, listed and removed in their settings), and acknowledging from a notification.
 *
 * A service worker holds no session, so a push message carries its own credential: an
 * acknowledge token (TokenRepository) that names one alert, the user and the subscription it
 * was sent to, expires after ACKNOWLEDGE_TOKEN_SECONDS (domain/alert-messages.ts), and can do nothing but acknowledge
 * that alert. At use it is checked again: the subscription must still be that user's (removing
 * a device revokes its tokens), the user not disabled, and the alert among the user's patients
 * now; the acknowledgement is audited like any other, marked as made from a notification.
 */
@Injectable()
export class PushService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly push: PushRepository,
    private readonly tokens: TokenRepository,
    private readonly alerts: AlertService,
    private readonly audit: AuditService,
  ) {}

  publicKey(): { publicKey: string | null } {
    return { publicKey: this.config.alerts.vapid?.publicKey ?? null };
  }

  async subscribe(actor: Actor, body: PushSubscriptionBody): Promise<{ id: string }> {
    const userId = this.user(actor);
    const subscription = await this.push.subscribe(userId, { endpoint: body.endpoint, ...body.keys, label: body.label ?? '' });
    await this.audit.record(actor, 'push.subscribe', {
      targetType: 'push_subscription',
      targetId: subscription.id,
      details: { origin: new URL(body.endpoint).origin, label: body.label ?? '' },
    });
    return { id: subscription.id };
  }

  async devices(actor: Actor): Promise<{ subscriptions: PushDevice[] }> {
    return { subscriptions: await this.push.devicesOf(this.user(actor)) };
  }

  /** Another user's subscription is "not found", like a missing one. */
  async remove(actor: Actor, id: string): Promise<void> {
    if (!(await this.push.removeOwn(this.user(actor), id))) throw new NotFoundError(`push subscription ${id} not found`);
    await this.audit.record(actor, 'push.unsubscribe', { targetType: 'push_subscription', targetId: id });
  }

  async acknowledgeWithToken(token: string, client: ClientInfo): Promise<{ alertId: string; state: 'open' | 'acknowledged' | 'resolved' }> {
    const claims = await this.tokens.verifyAcknowledge(token);
    if (!claims) throw new UnauthorizedError(TOKEN_REFUSED);
    const owner = await this.push.activeOwner(claims.subscriptionId, claims.userId);
    if (!owner) throw new UnauthorizedError(TOKEN_REFUSED);
    const actor: Actor = { userId: owner.userId, label: owner.email, role: owner.role, ip: client.ip };
    const alert = await this.alerts.acknowledge(actor, claims.alertId, { via: 'web_push', subscriptionId: claims.subscriptionId });
    return { alertId: alert.id, state: alert.state };
  }

  private user(actor: Actor): string {
    if (!actor.userId) throw new ForbiddenError('push subscriptions belong to a signed-in user');
    return actor.userId;
  }
}
