import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LIVE_LIMITS } from '../domain/live-stream.js';
import { SERVER_EVENTS } from '../dtos/live.dto.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { LiveRepository } from '../repositories/live.repository.js';
import { PatientRepository } from '../repositories/patient.repository.js';
import { LiveStreamService, teamRoom } from './live-stream.service.js';
import { OverviewService } from './overview.service.js';

/**
 * `overview.tick.v1` to team rooms: at most once a second per team, only the rows of patients
 * that changed (a reading, an alert, a device status) since the previous tick. Each instance
 * ticks for its own watchers; changes reach every instance through LiveRepository.share.
 */
@Injectable()
export class LiveOverviewService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LiveOverviewService');
  private changed = new Set<string>();
  /** The previous tick failed (logged once until one succeeds). */
  private failing = false;
  private timer?: Timer;
  private ticking = false;

  constructor(
    private readonly live: LiveRepository,
    private readonly stream: LiveStreamService,
    private readonly patients: PatientRepository,
    private readonly overview: OverviewService,
    private readonly clock: ClockRepository,
  ) {}

  onModuleInit(): void {
    this.stream.onReadings((ids) => this.mark(ids));
    this.live.onShared((message) => {
      if (message.kind === 'changed') this.mark(message.patientIds);
    });
    this.timer = this.clock.every(LIVE_LIMITS.overviewTickMs, () => void this.tick());
  }

  onModuleDestroy(): void {
    this.timer?.cancel();
  }

  /** Membership was checked by the caller. */
  watch(socketId: string, teamId: string): void {
    this.live.join(socketId, teamRoom(teamId));
  }

  unwatch(socketId: string, teamId: string): void {
    this.live.leave(socketId, teamRoom(teamId));
  }

  /** Patients whose overview row changed, on any instance (LiveEventsService shares alerts and statuses). */
  private mark(patientIds: Iterable<string>): void {
    for (const id of patientIds) this.changed.add(id);
  }

  /**
   * One pass; a slow database delays the next tick rather than stacking them. A failed pass (the
   * database unreachable) never rejects, which would end the process: its patients stay marked
   * changed, so the next tick sends their rows.
   */
  async tick(): Promise<void> {
    if (this.ticking || this.changed.size === 0) return;
    this.ticking = true;
    const changed = this.changed;
    this.changed = new Set();
    try {
      const teams = this.live
        .localSocketRooms()
        .filter((room) => room.startsWith('team:'))
        .map((room) => room.slice('team:'.length));
      for (const teamId of new Set(teams)) {
        const patients = (await this.patients.list(teamId)).filter((patient) => changed.has(patient.id));
        if (patients.length === 0) continue;
        const rows = await this.overview.rows(patients);
        this.live.emitLocal(teamRoom(teamId), SERVER_EVENTS.overviewTick, { teamId, patients: rows as never });
      }
      if (this.failing) this.logger.log('overview ticks are sent again');
      this.failing = false;
    } catch (error) {
      this.mark(changed);
      if (!this.failing) this.logger.warn({ err: error }, 'overview tick failed; its patients are sent at the next one');
      this.failing = true;
    } finally {
      this.ticking = false;
    }
  }
}
