import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import {
  batteryDecision,
  type Decision,
  eventOutcome,
  higherPriority,
  NO_DATA_AFTER_SECONDS,
  news2Decision,
  noDataDecision,
  onConditionCleared,
  onlineDecision,
  PRIORITY_RANK,
  stepThreshold,
  thresholdInhibited,
  type ThresholdState,
} from '../domain/alert-rules.js';
import { CoalescingQueue } from '../domain/coalescing-queue.js';
import { DEVICE_KINDS, type DeviceKind } from '../domain/device-kinds.js';
import type { EventRow, ReadingRow, StatusUpdate } from '../domain/ingest-batch.js';
import { NEWS2_PARAMETERS, scoreNews2 } from '../domain/news2.js';
import { memoryOf, type RuleMemory } from '../domain/rule-triage.js';
import { classifyWriteError } from '../domain/write-faults.js';
import type { AlertPriority } from '../dtos/live.dto.js';
import { type AlertRecord, AlertRepository, type ConditionKey } from '../repositories/alert.repository.js';
import { AlertSettingsRepository } from '../repositories/alert-settings.repository.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { DatabaseRepository, type Queryable } from '../repositories/database.repository.js';
import { type AlertChange, EventBusRepository } from '../repositories/event-bus.repository.js';
import { RuleStateRepository } from '../repositories/rule-state.repository.js';
import { EscalationService } from './escalation.service.js';
import { RuleTriageService } from './rule-triage.service.js';

interface Change {
  alert: AlertRecord;
  change: AlertChange;
  /** An update that raised the alert's priority (medium → high): acknowledged at a lower one, it notifies at once. */
  rose?: boolean;
}

type PendingState = { priority: AlertPriority; deviceId: string; t: number };

const NEWS2_INPUTS = new Set<string>(NEWS2_PARAMETERS);

/** What waits for a patient's next evaluation: everything stored for them since the last one began. */
interface PatientWork {
  readings: ReadingRow[];
  events: EventRow[];
  statuses: Array<StatusUpdate & { patientId: string }>;
}

const NO_WORK: PatientWork = { readings: [], events: [], statuses: [] };

/**
 * Patients evaluated at once by an instance, each evaluation holding one connection of the
 * pool (10 by default), so the ingest writers, the API and the live stream always find one.
 */
const RULE_CONCURRENCY = 3;
/** Of those, at most this many routine evaluations: one worker stays free for crossing and urgent work. */
const ROUTINE_CONCURRENCY = 2;

/** A patient's evaluation that met a transient database fault runs again after this. */
const TRANSIENT_RETRY_MS = 1000;
/** Silence is measured in minutes: the no-data check runs on every 12th sweep (each minute by default). */
const NO_DATA_EVERY_SWEEPS = 12;

/**
 * The rules on every stored batch (readings, device events, statuses) and on a timer (graces
 * that ran out, devices gone silent). A patient's rules run in one transaction under a lock on
 * the patient (RuleStateRepository), so instances sharing a stream neither interleave on rule
 * state nor open two alerts; the database's unique index is the last word on "one per condition".
 */
@Injectable()
export class AlertRuleService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('AlertRuleService');
  private readonly unsubscribe: Array<() => void> = [];
  private sweepTimer?: Timer;
  private sweeping = false;
  private sweeps = 0;
  private stopped = false;
  /**
   * One evaluation per patient at a time; what is stored meanwhile is merged into the next (a
   * batch's cost is per patient, not per batch). Crossing work (a reading that may open an alert,
   * an event: RuleTriageService) is evaluated first, then urgent work (a patient with something
   * under way, a status that may alert), then the routine backlog.
   */
  private readonly queue = new CoalescingQueue<PatientWork>({
    concurrency: RULE_CONCURRENCY,
    routineConcurrency: ROUTINE_CONCURRENCY,
    merge: (a, b) => ({ readings: a.readings.concat(b.readings), events: a.events.concat(b.events), statuses: a.statuses.concat(b.statuses) }),
    run: (patientId, work) => this.evaluate(patientId, work),
    onError: (patientId, error, work) => this.failed(patientId, error, work),
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseRepository,
    private readonly alerts: AlertRepository,
    private readonly ruleState: RuleStateRepository,
    private readonly settings: AlertSettingsRepository,
    private readonly bus: EventBusRepository,
    private readonly clock: ClockRepository,
    private readonly escalation: EscalationService,
    private readonly triage: RuleTriageService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe.push(
      this.bus.on('readings.stored', ({ rows }) => this.onReadings(rows)),
      this.bus.on('events.stored', ({ rows }) => this.onEvents(rows)),
      this.bus.on('statuses.stored', ({ rows }) => this.onStatuses(rows)),
      this.bus.on('device.changed', ({ deviceId, change }) => {
        if (change === 'revoked' || change === 'relinked') void this.deviceRetired(deviceId);
      }),
    );
    this.sweepTimer = this.clock.every(this.config.alerts.sweepMs, () => void this.sweep());
  }

  /** Lets the evaluations already queued finish while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sweepTimer?.cancel();
    await this.queue.idle();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.sweepTimer?.cancel();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  onReadings(rows: ReadingRow[]): void {
    for (const [patientId, readings] of byPatient(rows)) this.queueTriaged(patientId, { ...NO_WORK, readings });
  }

  onEvents(rows: EventRow[]): void {
    for (const [patientId, events] of byPatient(rows)) this.queue.push(patientId, { ...NO_WORK, events }, 'crossing');
  }

  async onStatuses(rows: StatusUpdate[]): Promise<void> {
    const devices = new Map((await this.settings.devices(rows.map((r) => r.deviceId))).map((d) => [d.id, d]));
    const withPatient = rows.flatMap((status) => {
      const device = devices.get(status.deviceId);
      return device ? [{ ...status, patientId: device.patientId }] : [];
    });
    for (const [patientId, statuses] of byPatient(withPatient)) this.queueTriaged(patientId, { ...NO_WORK, statuses });
  }

  /**
   * Queues a patient's stored readings or device statuses in the lane triage gives them (a patient
   * triage does not know yet is moved later if it must). A device back online is routine unless
   * something is under way: a ward's new devices come online at once with their first readings,
   * and a crossing reading must not wait behind them (one with a device-offline alert to clear is
   * urgent, and still behind crossings).
   */
  private queueTriaged(patientId: string, work: PatientWork): void {
    this.queue.push(
      patientId,
      work,
      this.triage.laneOf(patientId, work, (lane) => this.queue.promote(patientId, lane)),
    );
  }

  /**
   * One patient's rules for what was stored: statuses first (an offline device inhibits its
   * vitals), then events and readings. What the readings' evaluation found (read after the
   * statuses' and events' changes, in the same transaction) is remembered for triage once it
   * committed; statuses and events without readings may change what is under way, so after them
   * triage reads the patient's context afresh for its next readings.
   */
  private async evaluate(patientId: string, work: PatientWork): Promise<void> {
    let found: RuleMemory | undefined;
    if (work.statuses.length || work.events.length) this.triage.forget(patientId);
    await this.forPatient(patientId, async (tx) => [
      ...(work.statuses.length ? await this.evaluateStatuses(patientId, work.statuses, tx) : []),
      ...(work.events.length ? await this.evaluateEvents(patientId, work.events, tx) : []),
      ...(work.readings.length ? await this.evaluateReadings(patientId, work.readings, tx, (memory) => (found = memory)) : []),
    ]);
    if (found) this.triage.remember(patientId, found);
  }

  /**
   * A transient fault (the database restarting, a lost connection, a deadlock) must not lose a
   * breach: the work goes back to the patient's queue and merges with what arrives meanwhile.
   * Any other fault is logged; the patient's next batch is evaluated from the stored rule state.
   */
  private failed(patientId: string, error: unknown, work: PatientWork): void {
    this.triage.forget(patientId);
    if (classifyWriteError(error).fault === 'transient' && !this.stopped) {
      this.logger.warn({ err: error, patientId }, 'alert rules for a patient met a transient database fault; evaluated again');
      this.clock.after(TRANSIENT_RETRY_MS, () => this.queue.push(patientId, work, 'urgent'));
      return;
    }
    this.logger.error({ err: error, patientId }, 'alert rules failed for a patient');
  }

  /**
   * Decided on the device's stored state, read under the patient's lock: the newest status (or a
   * later reading) wins even when batches' rules run out of order, as they may on two instances.
   */
  private async evaluateStatuses(patientId: string, statuses: StatusUpdate[], tx: Queryable): Promise<Change[]> {
    const stored = new Map((await this.settings.devices([...new Set(statuses.map((s) => s.deviceId))], tx)).map((d) => [d.id, d]));
    const changes: Change[] = [];
    for (const s of statuses) {
      const device = stored.get(s.deviceId);
      if (!device) continue;
      const at = s.receivedAt;
      changes.push(...(await this.apply({ patientId, kind: 'device_offline', deviceId: s.deviceId }, onlineDecision(device.online), at, tx)));
      if (s.battery !== undefined) {
        changes.push(...(await this.apply({ patientId, kind: 'low_battery', deviceId: s.deviceId }, batteryDecision(device.battery ?? undefined), at, tx)));
      }
      if (!device.online) changes.push(...(await this.apply({ patientId, kind: 'no_data', deviceId: s.deviceId }, { type: 'clear' }, at, tx)));
    }
    return changes;
  }

  /** Graces that ran out (a bed exit at night with no return) and devices that fell silent. Safe on every instance at once. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const now = this.clock.date();
      for (const due of await this.ruleState.due(now)) {
        const kind = due.rule.replace(/^pending:/, '') as 'bed_exit' | 'door_open';
        // One patient's failure (rolled back: the grace stays due) does not hold up the others.
        await this.forPatient(due.patientId, async (tx) => {
          const state = (await this.ruleState.takeDue(due.patientId, due.rule, now, tx)) as PendingState | undefined;
          return state ? this.apply({ patientId: due.patientId, kind }, { type: 'raise', priority: state.priority }, now, tx) : [];
        }).catch((error: unknown) => {
          if (!this.stopped)
            this.logger.error({ err: error, patientId: due.patientId, rule: due.rule }, 'raising a due grace failed; retried at the next sweep');
        });
      }
      if (this.sweeps++ % NO_DATA_EVERY_SWEEPS !== 0) return;
      const kinds = Object.keys(NO_DATA_AFTER_SECONDS);
      const devices = await this.settings.devicesOfKinds(kinds, [...new Set(kinds.flatMap((k) => DEVICE_KINDS[k as DeviceKind].metrics))]);
      const unresolved = await this.alerts.unresolvedOf([...new Set(devices.map((d) => d.patientId))]);
      const open = new Set(unresolved.filter((a) => a.kind === 'no_data').map((a) => a.deviceId));
      const offlineAlert = new Set(unresolved.filter((a) => a.kind === 'device_offline').map((a) => a.deviceId));
      for (const device of devices) {
        const lastData = (device.lastData ?? device.createdAt).getTime();
        const offline = offlineAlert.has(device.id) && !device.online; // inhibition: one device_offline, no no_data
        const decision = noDataDecision({ kind: device.kind, offline, lastData }, now.getTime());
        if (decision.type === 'none' || (decision.type === 'clear' && !open.has(device.id)) || (decision.type === 'raise' && open.has(device.id))) continue;
        await this.forPatient(device.patientId, (tx) => this.apply({ patientId: device.patientId, kind: 'no_data', deviceId: device.id }, decision, now, tx));
      }
    } catch (error) {
      if (!this.stopped) this.logger.error({ err: error }, 'alert sweep failed; retried at the next one');
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * A revoked device, or one relinked to another patient, ends the alerts it raised about itself
   * for the patient it left (offline, low battery, no data): they resolve as cleared, since no one
   * can act on them at that patient's home any more. Every instance hears of the change; the
   * patient's lock and the state check let one of them resolve each alert, once.
   */
  private async deviceRetired(deviceId: string): Promise<void> {
    try {
      const at = this.clock.date();
      for (const alert of await this.alerts.ofRetiredDevice(deviceId)) {
        await this.forPatient(alert.patientId, async (tx) => {
          const cleared = await this.alerts.resolveCleared(alert.id, at, tx);
          return cleared ? [{ alert: cleared, change: 'cleared' }] : [];
        });
      }
    } catch (error) {
      if (!this.stopped) this.logger.error({ err: error, deviceId }, 'ending the alerts of a revoked or relinked device failed');
    }
  }

  /** Runs one patient's rules in a transaction under the patient's lock, then publishes what changed. */
  private async forPatient(patientId: string, work: (tx: Queryable) => Promise<Change[]>): Promise<void> {
    const changes = await this.db.transaction(async (tx) => {
      await this.ruleState.lockPatient(patientId, tx);
      return work(tx);
    });
    for (const { alert, change, rose } of changes) {
      await this.escalation.changed(alert, change);
      if (change === 'updated' && alert.state === 'acknowledged') await this.escalation.realertIfDue(alert, rose ? 'priority rose' : 'repeat');
    }
  }

  /**
   * Liveness for the rules: a device heard from that is online again (ingest marked it so, unless a
   * newer Last Will came) ends its device_offline alert; the devices still offline are returned, for
   * inhibition.
   */
  private async heardFrom(
    patientId: string,
    offlineAlerts: ReadonlyMap<string, boolean>,
    deviceIds: ReadonlySet<string>,
    at: Date,
    tx: Queryable,
  ): Promise<{ offline: Set<string>; changes: Change[] }> {
    const offline = new Set<string>();
    const changes: Change[] = [];
    for (const [deviceId, online] of offlineAlerts) {
      if (!online) offline.add(deviceId);
      else if (deviceIds.has(deviceId)) changes.push(...(await this.apply({ patientId, kind: 'device_offline', deviceId }, { type: 'clear' }, at, tx)));
    }
    return { offline, changes };
  }

  /**
   * Thresholds (sustained-for, hysteresis) over the batch's samples and NEWS2 over the fresh
   * latest values, from one read of the patient's context; `remember` gets what triage needs.
   */
  private async evaluateReadings(patientId: string, readings: ReadingRow[], tx: Queryable, remember: (memory: RuleMemory) => void): Promise<Change[]> {
    const now = this.clock.date();
    const context = (await this.ruleState.readingContexts([patientId], NEWS2_PARAMETERS, now, this.config.alerts.news2FreshSeconds, tx)).get(patientId);
    if (!context) return [];
    const heard = new Set(readings.map((r) => r.deviceId));
    const { offline, changes } = await this.heardFrom(patientId, context.offlineAlerts, heard, now, tx);
    const live = readings.filter((r) => !thresholdInhibited(r.deviceId, offline));
    const updated: Array<{ rule: string; state: ThresholdState }> = [];
    for (const threshold of context.thresholds) {
      const rule = `threshold:${threshold.metric}`;
      let state = context.states.get(rule) ?? {};
      const samples = live.filter((r) => r.metric === threshold.metric).sort((a, b) => a.time.getTime() - b.time.getTime());
      if (samples.length > 0) {
        const decisions: Array<{ decision: Decision; at: Date }> = [];
        for (const sample of samples) {
          const step = stepThreshold(state, { t: sample.time.getTime(), value: sample.value }, threshold);
          state = step.state;
          if (step.decision.type !== 'none') decisions.push({ decision: step.decision, at: sample.time });
        }
        updated.push({ rule, state });
        for (const { decision, at } of collapse(decisions)) {
          changes.push(...(await this.apply({ patientId, kind: 'threshold', metric: threshold.metric }, decision, at, tx)));
        }
      }
    }
    await this.ruleState.put(patientId, updated, tx);
    let news2Open = context.news2Open;
    if (live.some((r) => NEWS2_INPUTS.has(r.metric))) {
      const newest = live.reduce((a, b) => (a.time > b.time ? a : b)).time;
      const decision = news2Decision(scoreNews2(context.news2, context.spo2Scale));
      // A clear with no unresolved NEWS2 alert has nothing to do (alerts are raised only under this lock).
      if (decision.type === 'raise' || news2Open) changes.push(...(await this.apply({ patientId, kind: 'news2' }, decision, newest, tx)));
      news2Open = decision.type === 'raise';
    }
    remember(
      memoryOf({
        ...context,
        states: new Map([...context.states, ...updated.map((u): [string, ThresholdState] => [u.rule, u.state])]),
        offlineAlerts: new Map([...context.offlineAlerts].filter(([deviceId, online]) => !online || !heard.has(deviceId))),
        news2Open,
      }),
    );
    return changes;
  }

  private async evaluateEvents(patientId: string, events: EventRow[], tx: Queryable): Promise<Change[]> {
    const patient = await this.settings.teamOfPatient(patientId, tx);
    if (!patient) return [];
    const offlineAlerts = await this.alerts.offlineAlertDevices(patientId, tx);
    const { changes } = await this.heardFrom(patientId, offlineAlerts, new Set(events.map((e) => e.deviceId)), this.clock.date(), tx);
    const s = await this.settings.forTeam(patient.teamId, tx);
    const rules = {
      timeZone: s.timeZone,
      startMinute: s.nightStartMinute,
      endMinute: s.nightEndMinute,
      bedExitGraceSeconds: s.bedExitGraceSeconds,
      doorOpenGraceSeconds: s.doorOpenGraceSeconds,
    };
    for (const event of [...events].sort((a, b) => a.time.getTime() - b.time.getTime())) {
      const outcome = eventOutcome({ type: event.type, t: event.time.getTime() }, rules);
      if (outcome.type === 'raise') {
        changes.push(...(await this.apply({ patientId, kind: outcome.kind }, { type: 'raise', priority: outcome.priority }, event.time, tx)));
      } else if (outcome.type === 'pending') {
        const rule = `pending:${outcome.kind}`;
        if ((await this.ruleState.get(patientId, [rule], tx)).has(rule)) continue; // the first exit's grace runs on
        const state: PendingState = { priority: outcome.priority, deviceId: event.deviceId, t: event.time.getTime() };
        await this.ruleState.put(patientId, [{ rule, state, dueAt: new Date(outcome.dueAt) }], tx);
      } else if (outcome.type === 'cancel') {
        await this.ruleState.remove(
          patientId,
          outcome.kinds.map((k) => `pending:${k}`),
          tx,
        );
        for (const kind of outcome.kinds) changes.push(...(await this.apply({ patientId, kind }, { type: 'clear' }, event.time, tx)));
      }
    }
    return changes;
  }

  /** A decision against the condition's one alert: open or update it, or clear it (latching high ones stay). */
  private async apply(key: ConditionKey, decision: Decision, at: Date, tx: Queryable): Promise<Change[]> {
    if (decision.type === 'none') return [];
    if (decision.type === 'raise') {
      const alert = await this.alerts.raise(key, { priority: decision.priority, value: decision.value, at }, tx);
      if (!alert) return [];
      const rose = alert.priorPriority !== null && PRIORITY_RANK[alert.priority] > PRIORITY_RANK[alert.priorPriority];
      return [{ alert, change: alert.inserted ? 'opened' : 'updated', rose }];
    }
    const alert = await this.alerts.unresolvedFor(key, tx);
    if (!alert || alert.state === 'resolved') return [];
    if (onConditionCleared({ priority: alert.priority, state: alert.state }) === 'latch') {
      const latched = await this.alerts.markConditionCleared(alert.id, at, tx);
      return latched ? [{ alert: latched, change: 'updated' }] : [];
    }
    const cleared = await this.alerts.resolveCleared(alert.id, at, tx);
    return cleared ? [{ alert: cleared, change: 'cleared' }] : [];
  }
}

function byPatient<R extends { patientId: string }>(rows: readonly R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const group = groups.get(row.patientId) ?? [];
    group.push(row);
    groups.set(row.patientId, group);
  }
  // A fixed order: two instances lock patients in the same order and cannot deadlock.
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Consecutive raises of one batch become one (highest priority, last value): one update, not one per sample. */
function collapse(decisions: Array<{ decision: Decision; at: Date }>): Array<{ decision: Decision; at: Date }> {
  const out: Array<{ decision: Decision; at: Date }> = [];
  for (const entry of decisions) {
    const last = out[out.length - 1];
    if (last && last.decision.type === 'raise' && entry.decision.type === 'raise') {
      out[out.length - 1] = { at: entry.at, decision: { ...entry.decision, priority: higherPriority(last.decision.priority, entry.decision.priority) } };
    } else out.push(entry);
  }
  return out;
}
