import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { type EscalationLevel, nextEscalation, onDuty } from '../domain/alert-rules.js';
import { JobName, type JobData } from '../dtos/job.dto.js';
import { type AlertRecord, AlertRepository, toWire } from '../repositories/alert.repository.js';
import { AlertSettingsRepository, type TeamAlertSettings } from '../repositories/alert-settings.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { DeliveryRepository } from '../repositories/delivery.repository.js';
import { type AlertChange, EventBusRepository } from '../repositories/event-bus.repository.js';
import { escalationJobId } from '../repositories/job.repository.js';
import { PushRepository } from '../repositories/push.repository.js';
import { WebhookRepository } from '../repositories/webhook.repository.js';
import { OnJob } from './job-handlers.js';
import { JobService } from './job.service.js';

/** With no chain of its own, a team's care staff are notified at once and its clinicians after 5 minutes. */
export const DEFAULT_ESCALATION: EscalationLevel[] = [
  { role: 'care_staff', afterSeconds: 0 },
  { role: 'clinician', afterSeconds: 300 },
];

/**
 * What follows an alert change: the `alert.changed` bus event (the live gateway turns it into
 * `alert.v1` for the team's inboxes), webhooks, and the escalation chain as delayed BullMQ
 * jobs that an acknowledge or resolve cancels. Each level notifies the members of its role
 * (or its one user) who are on duty, in-app and by Web Push, recorded in the delivery log.
 */
@Injectable()
export class EscalationService {
  private readonly logger = new Logger('EscalationService');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertRepository,
    private readonly settings: AlertSettingsRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly webhooks: WebhookRepository,
    private readonly push: PushRepository,
    private readonly bus: EventBusRepository,
    private readonly clock: ClockRepository,
    private readonly jobs: JobService,
  ) {}

  /** Call after the change committed. Never throws: a Redis outage must not undo a stored alert (it is logged). */
  async changed(alert: AlertRecord, change: AlertChange): Promise<void> {
    this.publish(alert, change);
    try {
      if (change === 'opened') await this.opened(alert);
      else if (change === 'acknowledged' || change === 'resolved' || change === 'cleared') await this.stopped(alert);
    } catch (error) {
      this.logger.error({ err: error, alertId: alert.id }, `after alert ${change}: queueing its jobs failed`);
    }
  }

  /**
   * An acknowledged alert still active after the team's re-alert time notifies its first level
   * again; one whose priority rose (acknowledged at medium, now high) does so at once: the
   * acknowledgement was for a lesser condition.
   */
  async realertIfDue(alert: AlertRecord, why: 'repeat' | 'priority rose' = 'repeat'): Promise<void> {
    if (alert.state !== 'acknowledged') return;
    const settings = await this.settings.forTeam(alert.teamId);
    const claimed = await this.alerts.claimRealert(alert.id, this.clock.date(), why === 'priority rose' ? 0 : settings.realertSeconds);
    if (!claimed) return;
    this.publish(claimed, 'updated');
    const round = `r${claimed.notifiedAt?.getTime() ?? this.clock.now()}`;
    await this.notifyLevel(claimed, settings, 0, round).catch((error: unknown) => this.logger.error({ err: error }, 're-alert failed'));
  }

  private publish(alert: AlertRecord, change: AlertChange): void {
    this.bus.emit('alert.changed', { alert: toWire(alert), teamId: alert.teamId, change });
  }

  private chain(settings: TeamAlertSettings): EscalationLevel[] {
    return settings.escalationLevels.length ? settings.escalationLevels : DEFAULT_ESCALATION;
  }

  private async opened(alert: AlertRecord): Promise<void> {
    const settings = await this.settings.forTeam(alert.teamId);
    const first = this.chain(settings)[0];
    const at = alert.openedAt.getTime() + first.afterSeconds * 1000;
    await this.jobs.enqueue({ name: JobName.Escalate, data: { alertId: alert.id, level: 0, cycle: 0 } }, at - this.clock.now());
    if (first.afterSeconds > 0) await this.alerts.planEscalation(alert.id, new Date(at));
    for (const hook of await this.webhooks.forTeam(alert.teamId)) {
      await this.jobs.enqueue({ name: JobName.Webhook, data: { alertId: alert.id, webhookId: hook.id, change: 'opened' } });
    }
  }

  /** Cancels the planned escalation step (the handler also re-checks the state, so a step already running stops too). */
  private async stopped(alert: AlertRecord): Promise<void> {
    const settings = await this.settings.forTeam(alert.teamId);
    const next = nextEscalation(this.chain(settings), settings.escalationRepeats, alert.openedAt.getTime(), {
      level: alert.escalationLevel,
      cycle: alert.escalationCycle,
    });
    await this.jobs.cancel(escalationJobId(alert.id, alert.escalationCycle, alert.escalationLevel));
    if (next) await this.jobs.cancel(escalationJobId(alert.id, next.cycle, next.level));
  }

  @OnJob(JobName.Escalate)
  async escalate(data: JobData<JobName.Escalate>): Promise<void> {
    const alert = await this.alerts.get(data.alertId);
    if (!alert || alert.state !== 'open') return;
    const settings = await this.settings.forTeam(alert.teamId);
    const chain = this.chain(settings);
    if (data.level >= chain.length) return;
    const next = nextEscalation(chain, settings.escalationRepeats, alert.openedAt.getTime(), data);
    const updated = await this.alerts.escalated(alert.id, data.level, data.cycle, next ? new Date(next.at) : null);
    if (!updated) return; // acknowledged or resolved meanwhile
    await this.notifyLevel(updated, settings, data.level, `c${data.cycle}`);
    if (data.level > 0 || data.cycle > 0) this.publish(updated, 'escalated');
    else if (next) this.publish(updated, 'updated'); // the time of the next level is now on it
    if (next)
      await this.jobs.enqueue({ name: JobName.Escalate, data: { alertId: alert.id, level: next.level, cycle: next.cycle } }, next.at - this.clock.now());
  }

  /**
   * The level's on-duty recipients: the in-app inbox (logged) and a Web Push job per
   * subscription, one per `round` (an escalation cycle, or a re-alert).
   */
  private async notifyLevel(alert: AlertRecord, settings: TeamAlertSettings, level: number, round: string): Promise<void> {
    const who = this.chain(settings)[level];
    const members = await this.settings.members(alert.teamId, 'role' in who ? { role: who.role } : { userEmail: who.userEmail });
    const roster = await this.settings.roster(alert.teamId);
    const onDutyIds = new Set(
      onDuty(
        members.map((m) => m.id),
        roster,
        this.clock.now(),
        settings.timeZone,
      ),
    );
    const recipients = members.filter((m) => onDutyIds.has(m.id));
    if (recipients.length === 0) this.logger.warn({ alertId: alert.id, level }, 'no one on duty for this escalation level');
    await this.deliveries.record(recipients.map((r) => ({ alertId: alert.id, level, channel: 'in_app', recipient: r.email, attempt: 1, status: 'sent' })));
    if (!this.config.alerts.vapid) return;
    for (const subscription of await this.push.forUsers(recipients.map((r) => r.id))) {
      await this.jobs.enqueue({ name: JobName.Push, data: { alertId: alert.id, subscriptionId: subscription.id, level, round } });
    }
  }
}
