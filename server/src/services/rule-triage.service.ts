import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { ReadingRow, StatusUpdate } from '../domain/ingest-batch.js';
import { NEWS2_PARAMETERS } from '../domain/news2.js';
import { type Lane, memoryOf, type RuleMemory, statusMayAlert, triage } from '../domain/rule-triage.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { type ReadingContext, RuleStateRepository } from '../repositories/rule-state.repository.js';

/** What triage decides the lane of: a patient's newly stored readings, or statuses of its devices. */
export interface TriagedWork {
  readings: readonly ReadingRow[];
  statuses: readonly StatusUpdate[];
}

/**
 * Which lane of the rules' queue a patient's stored readings and statuses take (domain/rule-triage.ts), from
 * what this instance's last evaluation of the patient found: its thresholds and which are raised,
 * whether anything is under way, its NEWS2 inputs and alert. Only the order of evaluations depends on it: each evaluation reads
 * the database afresh under the patient's lock (AlertRuleService).
 *
 * A patient without memory (not evaluated here yet, its thresholds changed through this
 * instance, its last evaluation failed, a status or event was evaluated since) is routine at once
 * (urgent if a status may alert), so its work keeps its order, while one query reads the context
 * of all such patients (one read at a time, for all that came meanwhile, so triage holds at most
 * one connection); it is then triaged, and moved up to the crossing or urgent lane if it must. Another instance's memory is refreshed by its own next evaluation of
 * the patient: until then only the lane of a batch can be wrong there, never a decision.
 */
@Injectable()
export class RuleTriageService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RuleTriageService');
  private readonly memory = new Map<string, RuleMemory>();
  /** Patients without memory whose context is to be read, with what was stored for them meanwhile and what moves them. */
  private readonly learning = new Map<string, { readings: ReadingRow[]; statuses: StatusUpdate[]; promote: (lane: Lane) => void }>();
  /** Of those, the ones no read has begun for yet. */
  private readonly toLearn = new Set<string>();
  private learnRunning = false;
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ruleState: RuleStateRepository,
    private readonly bus: EventBusRepository,
    private readonly clock: ClockRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.on('thresholds.changed', ({ owner }) => {
      if ('patientId' in owner) this.memory.delete(owner.patientId);
      else for (const [patientId, memory] of this.memory) if (memory.teamId === owner.teamId) this.memory.delete(patientId);
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.unsubscribe?.();
  }

  /**
   * The lane of a patient's newly stored readings or statuses; for a patient without memory 'routine' now (unless a
   * status may alert by itself), and `promote` to the lane its context shows once read, if higher.
   */
  laneOf(patientId: string, work: TriagedWork, promote: (lane: Lane) => void): Lane {
    const memory = this.memory.get(patientId);
    if (memory) {
      const { lane, news2 } = triage(memory, { ...work, events: [] });
      memory.news2 = news2;
      return lane;
    }
    if (work.statuses.some(statusMayAlert)) return 'urgent';
    const learning = this.learning.get(patientId);
    if (learning) {
      learning.readings.push(...work.readings);
      learning.statuses.push(...work.statuses);
    } else {
      this.learning.set(patientId, { readings: [...work.readings], statuses: [...work.statuses], promote });
      this.toLearn.add(patientId);
    }
    if (!this.learnRunning) void this.learnAll();
    return 'routine';
  }

  /** What an evaluation that committed found. */
  remember(patientId: string, memory: RuleMemory): void {
    this.memory.set(patientId, memory);
  }

  /** The patient's next readings are triaged from its context read afresh. */
  forget(patientId: string): void {
    this.memory.delete(patientId);
  }

  private async learnAll(): Promise<void> {
    this.learnRunning = true;
    try {
      while (this.toLearn.size > 0 && !this.stopped) {
        const patientIds = [...this.toLearn];
        this.toLearn.clear();
        await this.learn(patientIds);
      }
    } finally {
      this.learnRunning = false;
    }
  }

  /** Reads the patients' contexts (no lock: only the lane depends on it) and triages what was stored for them meanwhile. */
  private async learn(patientIds: string[]): Promise<void> {
    let contexts = new Map<string, ReadingContext>();
    try {
      contexts = await this.ruleState.readingContexts(patientIds, NEWS2_PARAMETERS, this.clock.date(), this.config.alerts.news2FreshSeconds);
    } catch (error) {
      if (!this.stopped) this.logger.warn({ err: error }, 'reading patients’ rule context for triage failed; their readings are evaluated as urgent');
    }
    for (const patientId of patientIds) {
      const learning = this.learning.get(patientId);
      this.learning.delete(patientId);
      if (!learning) continue;
      const context = contexts.get(patientId);
      let memory = this.memory.get(patientId); // an evaluation that ended meanwhile knows better
      if (!memory && context) this.memory.set(patientId, (memory = memoryOf(context)));
      const { lane, news2 } = triage(memory, { readings: learning.readings, events: [], statuses: learning.statuses });
      if (memory) memory.news2 = news2;
      if (lane !== 'routine') learning.promote(lane);
    }
  }
}
