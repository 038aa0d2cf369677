import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { parseEscalationLevels, type RosterEntry, validateThreshold } from '../domain/alert-rules.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { AlertSettingsBody, PassiveBody, RosterBody, ThresholdBody } from '../dtos/alert.dto.js';
import { AlertSettingsRepository, type PassiveInterval, type TeamAlertSettings } from '../repositories/alert-settings.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { type ThresholdOwner, type ThresholdRecord, ThresholdRepository } from '../repositories/threshold.repository.js';
import { WebhookRepository } from '../repositories/webhook.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/**
 * What shapes alerts, set by clinicians of the team (and the operator CLI): per-patient
 * thresholds and team defaults, team settings with the escalation chain, webhooks, passive
 * intervals. Validated, scoped and audited.
 */
@Injectable()
export class AlertConfigService {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly thresholds: ThresholdRepository,
    private readonly settings: AlertSettingsRepository,
    private readonly teams: TeamRepository,
    private readonly webhooks: WebhookRepository,
    private readonly crypto: CryptoRepository,
    private readonly clock: ClockRepository,
    private readonly bus: EventBusRepository,
  ) {}

  async setPatientThreshold(actor: Actor, patientId: string, body: ThresholdBody): Promise<ThresholdRecord> {
    if (actor.role !== 'operator') await this.access.patient(actor, patientId);
    this.requireClinical(actor);
    return this.setThreshold(actor, { patientId }, body, patientId);
  }

  async setTeamThreshold(actor: Actor, teamId: string, body: ThresholdBody): Promise<ThresholdRecord> {
    await this.team(actor, teamId);
    this.requireClinical(actor);
    return this.setThreshold(actor, { teamId }, body, null);
  }

  async listThresholds(actor: Actor, owner: ThresholdOwner): Promise<{ thresholds: ThresholdRecord[] }> {
    if ('patientId' in owner) {
      if (actor.role !== 'operator') await this.access.patient(actor, owner.patientId);
    } else await this.team(actor, owner.teamId);
    const thresholds = await this.thresholds.list(owner);
    await this.audit.record(
      actor,
      'threshold.list',
      'patientId' in owner ? { patientId: owner.patientId, details: { returned: thresholds.length } } : { targetType: 'team', targetId: owner.teamId, details: { returned: thresholds.length } },
    );
    return { thresholds };
  }

  async removeThreshold(actor: Actor, owner: ThresholdOwner, metric: string): Promise<void> {
    if ('patientId' in owner) {
      if (actor.role !== 'operator') await this.access.patient(actor, owner.patientId);
    } else await this.team(actor, owner.teamId);
    this.requireClinical(actor);
    if (!(await this.thresholds.remove(owner, metric))) throw new NotFoundError(`no ${metric} threshold here`);
    this.bus.emit('thresholds.changed', { owner });
    await this.audit.record(actor, 'threshold.remove', {
      patientId: 'patientId' in owner ? owner.patientId : null,
      targetType: 'threshold',
      targetId: metric,
      details: { ...owner },
    });
  }

  /** For the team's members, and admins (who set up every team's escalation chain). */
  async getSettings(actor: Actor, teamId: string): Promise<TeamAlertSettings> {
    await this.team(actor, teamId, { admins: true });
    return this.settings.forTeam(teamId);
  }

  /**
   * Clinicians of the team change every setting; an admin only who is called and when (the
   * escalation chain and its repeats): night hours, graces and re-alerting stay clinical.
   */
  async updateSettings(actor: Actor, teamId: string, body: AlertSettingsBody): Promise<TeamAlertSettings> {
    await this.team(actor, teamId, { admins: true });
    if (actor.role === 'admin') {
      const clinical = Object.keys(body).filter((field) => field !== 'escalation' && field !== 'escalationRepeats');
      if (clinical.length)
        throw new ForbiddenError(`${clinical.join(', ')}: only a clinician of the team changes these; an admin changes the escalation chain`);
    } else this.requireClinical(actor);
    const { escalation, ...rest } = body;
    const changes: Partial<TeamAlertSettings> = { ...rest };
    if (escalation !== undefined) {
      const { levels, errors } = parseEscalationLevels(escalation);
      if (errors.length)
        throw new InvalidInputError(
          `invalid escalation: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
          errors.map((e) => ({ ...e, field: `escalation.${e.field}` })),
        );
      for (const level of levels) {
        if ('userEmail' in level && (await this.settings.members(teamId, level)).length === 0) {
          throw new InvalidInputError(`escalation: ${level.userEmail} is not a member of the team`, [
            { field: 'escalation', message: `${level.userEmail} is not a member of the team` },
          ]);
        }
      }
      changes.escalationLevels = levels;
    }
    const updated = await this.settings.update(teamId, changes, actor.userId);
    await this.audit.record(actor, 'alert.settings.update', { targetType: 'team', targetId: teamId, details: { ...body } });
    return updated;
  }

  /** The duty roster: for the team's members, and admins (who staff every team). */
  async getRoster(actor: Actor, teamId: string): Promise<{ teamId: string; entries: Array<RosterEntry & { email: string }> }> {
    await this.team(actor, teamId, { admins: true });
    return { teamId, entries: await this.settings.roster(teamId) };
  }

  /** Replaces the whole roster (clinicians of the team, admins; audited); every entry must be a member of the team. */
  async replaceRoster(actor: Actor, teamId: string, body: RosterBody): Promise<{ teamId: string; entries: Array<RosterEntry & { email: string }> }> {
    await this.team(actor, teamId, { admins: true });
    if (actor.role !== 'clinician' && actor.role !== 'admin' && actor.role !== 'operator')
      throw new ForbiddenError('changing the duty roster needs the clinician or admin role');
    const members = new Set(await this.teams.memberIds(teamId));
    const errors = body.entries.flatMap((e, i) => (members.has(e.userId) ? [] : [{ field: `entries.${i}.userId`, message: 'is not a member of the team' }]));
    if (errors.length) throw new InvalidInputError(`invalid roster: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
    await this.settings.replaceRoster(teamId, body.entries);
    await this.audit.record(actor, 'roster.replace', { targetType: 'team', targetId: teamId, details: { entries: body.entries.length } });
    return this.getRoster(actor, teamId);
  }

  async addWebhook(actor: Actor, teamId: string, url: string): Promise<{ id: string; url: string; secret: string }> {
    await this.team(actor, teamId);
    this.requireClinical(actor);
    const hook = await this.webhooks.create(teamId, url, this.crypto.randomSecret(32));
    await this.audit.record(actor, 'webhook.create', { targetType: 'webhook', targetId: hook.id, details: { teamId, origin: new URL(url).origin } });
    return { id: hook.id, url: hook.url, secret: hook.secret };
  }

  async addPassive(actor: Actor, patientId: string, body: PassiveBody): Promise<PassiveInterval> {
    if (actor.role !== 'operator') await this.access.patient(actor, patientId);
    this.requireClinical(actor);
    const startsAt = body.startsAt ?? this.clock.date();
    if (body.endsAt && body.endsAt <= startsAt)
      throw new InvalidInputError('endsAt must be after startsAt', [{ field: 'endsAt', message: 'must be after startsAt' }]);
    const interval = await this.settings.addPassive(patientId, { startsAt, endsAt: body.endsAt ?? null, reason: body.reason }, actor.userId);
    await this.audit.record(actor, 'passive.create', { patientId, targetType: 'passive_interval', targetId: interval.id, details: { reason: body.reason } });
    return interval;
  }

  async endPassive(actor: Actor, patientId: string, id: string): Promise<PassiveInterval> {
    if (actor.role !== 'operator') await this.access.patient(actor, patientId);
    this.requireClinical(actor);
    const ended = await this.settings.endPassive(patientId, id, this.clock.date());
    if (!ended) throw new NotFoundError(`passive interval ${id} not found or already over`);
    await this.audit.record(actor, 'passive.end', { patientId, targetType: 'passive_interval', targetId: id });
    return ended;
  }

  private async setThreshold(actor: Actor, owner: ThresholdOwner, body: ThresholdBody, patientId: string | null): Promise<ThresholdRecord> {
    const errors = validateThreshold(body);
    if (errors.length) throw new InvalidInputError(`invalid threshold: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
    const saved = await this.thresholds.upsert(owner, body, actor.userId);
    this.bus.emit('thresholds.changed', { owner });
    await this.audit.record(actor, 'threshold.set', { patientId, targetType: 'threshold', targetId: saved.id, details: { ...owner, ...body } });
    return saved;
  }

  /** A team the actor belongs to (the CLI reaches every team, admins too with `admins`); another team is "not found". */
  private async team(actor: Actor, teamId: string, options: { admins?: boolean } = {}): Promise<void> {
    const any = actor.role === 'operator' || (options.admins === true && actor.role === 'admin');
    const found = any ? await this.teams.get(teamId) : (await this.teams.listForMember(actor.userId ?? '')).find((t) => t.id === teamId);
    if (!found) throw new NotFoundError(`team ${teamId} not found`);
  }

  /** Alert settings are clinical decisions: clinicians and the operator CLI, not care staff. */
  private requireClinical(actor: Actor): void {
    if (actor.role !== 'clinician' && actor.role !== 'operator') throw new ForbiddenError('setting thresholds and alert settings needs the clinician role');
  }
}
