import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { NotFoundError } from '../domain/errors.js';
import type { AlertsQuery } from '../dtos/alert.dto.js';
import type { AlertWire } from '../dtos/live.dto.js';
import { type AlertComment, type AlertRecord, AlertRepository, toWire } from '../repositories/alert.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';
import { EscalationService } from './escalation.service.js';

/**
 * The alert lifecycle as people drive it: the inbox, acknowledge, resolve with a note,
 * comments, a patient's history. Every call is scoped to the caller's care teams first (an
 * alert of another team is "not found"), and every access is audited.
 */
@Injectable()
export class AlertService {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly alerts: AlertRepository,
    private readonly clock: ClockRepository,
    private readonly escalation: EscalationService,
  ) {}

  async list(actor: Actor, query: AlertsQuery): Promise<{ alerts: AlertWire[] }> {
    const patientIds = query.patientId ? [(await this.access.patient(actor, query.patientId)).id] : (await this.access.patientsOf(actor)).map((p) => p.id);
    const alerts = await this.alerts.list(patientIds, { state: query.state, limit: query.limit, from: query.from, to: query.to });
    await this.audit.record(actor, 'alert.list', { patientId: query.patientId ?? null, details: { state: query.state, returned: alerts.length } });
    return { alerts: alerts.map(toWire) };
  }

  async get(actor: Actor, id: string): Promise<AlertWire> {
    const alert = await this.scoped(actor, id);
    await this.audit.record(actor, 'alert.view', { patientId: alert.patientId, targetType: 'alert', targetId: id });
    return toWire(alert);
  }

  /** `how` goes into the audit entry (e.g. from a push notification: `{via: 'web_push', subscriptionId}`). */
  async acknowledge(actor: Actor, id: string, how: Record<string, unknown> = {}): Promise<AlertWire> {
    const alert = await this.scoped(actor, id);
    const acknowledged = await this.alerts.acknowledge(id, actor.userId!, this.clock.date());
    await this.audit.record(actor, 'alert.acknowledge', {
      patientId: alert.patientId,
      targetType: 'alert',
      targetId: id,
      details: { changed: Boolean(acknowledged), ...how },
    });
    if (!acknowledged) return toWire((await this.alerts.get(id))!); // already acknowledged or resolved: idempotent
    // A latching alert whose condition already ended is done once someone has seen it (IEC 60601-1-8).
    if (acknowledged.conditionClearedAt) {
      const cleared = await this.alerts.resolveCleared(id, this.clock.date());
      if (cleared) {
        await this.escalation.changed(acknowledged, 'acknowledged');
        await this.escalation.changed(cleared, 'cleared');
        return toWire(cleared);
      }
    }
    await this.escalation.changed(acknowledged, 'acknowledged');
    return toWire(acknowledged);
  }

  async resolve(actor: Actor, id: string, note?: string): Promise<AlertWire> {
    const alert = await this.scoped(actor, id);
    const resolved = await this.alerts.resolve(id, actor.userId!, this.clock.date(), note ?? null);
    await this.audit.record(actor, 'alert.resolve', { patientId: alert.patientId, targetType: 'alert', targetId: id, details: { changed: Boolean(resolved) } });
    if (!resolved) return toWire((await this.alerts.get(id))!);
    await this.escalation.changed(resolved, 'resolved');
    return toWire(resolved);
  }

  async comment(actor: Actor, id: string, body: string): Promise<AlertComment> {
    const alert = await this.scoped(actor, id);
    const comment = await this.alerts.addComment(id, actor.userId, body);
    await this.audit.record(actor, 'alert.comment', { patientId: alert.patientId, targetType: 'alert', targetId: id });
    return comment;
  }

  async comments(actor: Actor, id: string): Promise<{ comments: AlertComment[] }> {
    const alert = await this.scoped(actor, id);
    await this.audit.record(actor, 'alert.view', { patientId: alert.patientId, targetType: 'alert', targetId: id, details: { comments: true } });
    return { comments: await this.alerts.comments(id) };
  }

  /** The alert if the actor may see its patient; otherwise exactly what a missing one gives. */
  private async scoped(actor: Actor, id: string): Promise<AlertRecord> {
    const alert = await this.alerts.get(id);
    if (!alert) throw new NotFoundError(`alert ${id} not found`);
    try {
      await this.access.patient(actor, alert.patientId);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError(`alert ${id} not found`);
      throw error;
    }
    return alert;
  }
}
