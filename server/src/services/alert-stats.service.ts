import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import { type News2Point, news2Series, percentile } from '../domain/alert-rules.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { NEWS2_PARAMETERS, scoreNews2 } from '../domain/news2.js';
import { AlertStatsRepository } from '../repositories/alert-stats.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { MetricsRepository } from '../repositories/metrics.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

const DAY_MS = 86_400_000;
/** Cleared by itself within this long of opening: a flapping alert, the noise that teaches staff to ignore alarms. */
export const FLAPPING_MS = 60_000;
const MAX_SERIES_SAMPLES = 50_000;

export interface AlertStats {
  teamId: string;
  from: Date;
  to: Date;
  patientDays: number;
  alerts: number;
  perPatientDay: Array<{ kind: string; priority: string; count: number; perPatientDay: number }>;
  acknowledgedShare: number | null;
  timeToAcknowledgeSeconds: { p50: number | null; p90: number | null };
  escalationsByLevel: Record<string, number>;
  flapping: number;
  /** What monitoring achieved in the range, for the results screen. */
  patientsMonitored: number;
  pointsReceived: number;
  deviceHoursOffline: number;
  news2Peaks: { high: number; medium: number; lowMedium: number; none: number };
}

/**
 * Alarm-fatigue figures (GET /api/teams/{id}/alert-stats and /metrics) and the NEWS2 series
 * of a patient. Published hospital studies find 85–99 % of monitor alarms non-actionable:
 * these numbers let a team see whether its thresholds are tuned or teaching staff to ignore.
 */
@Injectable()
export class AlertStatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly changes: Counter<'kind' | 'priority' | 'change'>;
  private readonly escalations: Counter<'level'>;
  private readonly flaps: Counter<'kind'>;
  private readonly ackSeconds: Histogram<'priority'>;
  private off?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly stats: AlertStatsRepository,
    private readonly teams: TeamRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly bus: EventBusRepository,
    private readonly clock: ClockRepository,
    metrics: MetricsRepository,
  ) {
    this.changes = metrics.counter(
      'vigil_alert_changes_total',
      'Alert changes (opened, updated, acknowledged, resolved, cleared, escalated) by kind and priority',
      ['kind', 'priority', 'change'],
    );
    this.escalations = metrics.counter('vigil_alert_escalations_total', 'Escalation steps taken, by level reached', ['level']);
    this.flaps = metrics.counter('vigil_alert_flapping_total', 'Alerts that cleared by themselves within a minute of opening', ['kind']);
    this.ackSeconds = metrics.histogram(
      'vigil_alert_time_to_acknowledge_seconds',
      'Opening to acknowledgement',
      [10, 30, 60, 120, 300, 600, 1800, 3600],
      ['priority'],
    );
  }

  onApplicationBootstrap(): void {
    this.off = this.bus.on('alert.changed', ({ alert, change }) => {
      this.changes.inc({ kind: alert.kind, priority: alert.priority, change });
      if (change === 'escalated') this.escalations.inc({ level: String(alert.escalationLevel) });
      if (change === 'acknowledged' && alert.acknowledgedAt)
        this.ackSeconds.observe({ priority: alert.priority }, (Date.parse(alert.acknowledgedAt) - Date.parse(alert.openedAt)) / 1000);
      if (change === 'cleared' && alert.resolvedAt && Date.parse(alert.resolvedAt) - Date.parse(alert.openedAt) < FLAPPING_MS)
        this.flaps.inc({ kind: alert.kind });
    });
  }

  private range({ from, to }: { from?: Date; to?: Date }): { from: Date; to: Date } {
    const end = to ?? this.clock.date();
    return { from: from ?? new Date(end.getTime() - DAY_MS), to: end };
  }

  onApplicationShutdown(): void {
    this.off?.();
  }

  async teamStats(actor: Actor, teamId: string, range: { from?: Date; to?: Date }): Promise<AlertStats> {
    const { from, to } = this.range(range);
    if (!(to > from)) throw new InvalidInputError('to must be after from', [{ field: 'to', message: 'must be after from' }]);
    const member = actor.role === 'operator' ? await this.teams.get(teamId) : (await this.teams.listForMember(actor.userId ?? '')).find((t) => t.id === teamId);
    if (!member) throw new NotFoundError(`team ${teamId} not found`);
    const [rows, patients, readings, deviceHoursOffline, peaks] = await Promise.all([
      this.stats.teamAlerts(teamId, from, to),
      this.stats.teamPatientCount(teamId),
      this.stats.teamReadings(teamId, from, to),
      this.stats.teamDeviceHoursOffline(teamId, from, to),
      this.stats.teamNews2Peaks(teamId, from, to),
    ]);
    const peak = (priority: string) => peaks.filter((p) => p.priority === priority).length;
    const patientDays = (patients * (to.getTime() - from.getTime())) / DAY_MS;
    const groups = new Map<string, { kind: string; priority: string; count: number }>();
    for (const row of rows) {
      const key = `${row.kind}/${row.priority}`;
      const group = groups.get(key) ?? { kind: row.kind, priority: row.priority, count: 0 };
      group.count++;
      groups.set(key, group);
    }
    const acked = rows.filter((r) => r.acknowledgedAt);
    const ackSeconds = acked.map((r) => (r.acknowledgedAt!.getTime() - r.openedAt.getTime()) / 1000);
    const escalationsByLevel: Record<string, number> = {};
    for (const row of rows) {
      const reached = row.escalationCycle > 0 || row.escalationLevel > 0 ? row.escalationLevel : null;
      if (reached !== null) escalationsByLevel[String(reached)] = (escalationsByLevel[String(reached)] ?? 0) + 1;
    }
    await this.audit.record(actor, 'alert.stats', { targetType: 'team', targetId: teamId, details: { from, to } });
    return {
      teamId,
      from,
      to,
      patientDays,
      alerts: rows.length,
      perPatientDay: [...groups.values()].map((g) => ({ ...g, perPatientDay: patientDays > 0 ? g.count / patientDays : 0 })).sort((a, b) => b.count - a.count),
      acknowledgedShare: rows.length ? acked.length / rows.length : null,
      timeToAcknowledgeSeconds: { p50: percentile(ackSeconds, 50), p90: percentile(ackSeconds, 90) },
      escalationsByLevel,
      flapping: rows.filter((r) => r.cleared && r.resolvedAt && r.resolvedAt.getTime() - r.openedAt.getTime() < FLAPPING_MS).length,
      patientsMonitored: readings.patients,
      pointsReceived: readings.points,
      deviceHoursOffline,
      news2Peaks: { high: peak('high'), medium: peak('medium'), lowMedium: peak('low'), none: Math.max(0, readings.patients - peaks.length) },
    };
  }

  async news2(actor: Actor, patientId: string, range: { from?: Date; to?: Date }): Promise<{ patientId: string; points: News2Point[]; truncated: boolean }> {
    const { from, to } = this.range(range);
    if (!(to > from)) throw new InvalidInputError('to must be after from', [{ field: 'to', message: 'must be after from' }]);
    const patient = await this.access.patient(actor, patientId);
    const fresh = this.config.alerts.news2FreshSeconds;
    const samples = await this.stats.news2Inputs(patientId, NEWS2_PARAMETERS, from, to, fresh, MAX_SERIES_SAMPLES + 1);
    const truncated = samples.length > MAX_SERIES_SAMPLES;
    const points = news2Series(samples.slice(0, MAX_SERIES_SAMPLES), patient.spo2Scale, fresh * 1000, from, scoreNews2);
    await this.audit.record(actor, 'news2.series', { patientId, details: { from, to, points: points.length } });
    return { patientId, points, truncated };
  }
}
