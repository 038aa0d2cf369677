import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import { fieldErrors, NotFoundError } from '../domain/errors.js';
import { type Ack, watchBody } from '../dtos/live.dto.js';
import { ClockRepository, type Timer } from '../repositories/clock.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { LiveRepository } from '../repositories/live.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';
import { LiveMetrics } from './live-metrics.js';
import { LiveOverviewService } from './live-overview.service.js';
import { LiveStreamService, patientRoom, teamRoom, userRoom, watchedIn } from './live-stream.service.js';
import { RefusalAuditService } from './refusal-audit.service.js';

/**
 * The socket side of the live contract: a socket joins its user's inbox on connect; `watch` and
 * `unwatch` of a patient or a team are checked against care-team membership here, first (another
 * team's patient or team is "not found", like a missing one), and audited. Connected sockets are
 * checked again every VIGIL_LIVE_SESSION_CHECK_SECONDS, and on every instance at once when an
 * admin moves a patient, removes a member or disables a user (`access.changed`): a socket whose
 * session was revoked is disconnected; one watching a patient or team its user may no longer see
 * leaves that room, is told so by `resync.v1`, and the removal is audited.
 */
@Injectable()
export class LiveService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('LiveService');
  private timer?: Timer;
  private unsubscribe?: () => void;
  /** The check running now, and whether another was asked for meanwhile (it then runs once more). */
  private checking?: Promise<void>;
  private checkAgain = false;
  /**
   * Per socket and room, a count bumped by every watch and unwatch of it: a watch still checking
   * access when the client unwatched (or watched again, or went away) does not join after it.
   */
  private readonly intents = new Map<string, Map<string, number>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: LiveRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly stream: LiveStreamService,
    private readonly overview: LiveOverviewService,
    private readonly sessions: SessionRepository,
    private readonly clock: ClockRepository,
    private readonly metrics: LiveMetrics,
    private readonly events: EventBusRepository,
    private readonly refusals: RefusalAuditService,
  ) {}

  onModuleInit(): void {
    this.metrics.countSockets(() => this.live.localSockets().length);
    this.timer = this.clock.every(this.config.live.sessionCheckSeconds * 1000, () => void this.checkSockets());
    this.unsubscribe = this.events.on('access.changed', () => this.live.share({ kind: 'access' }));
    this.live.onShared((message) => message.kind === 'access' && void this.checkSockets());
  }

  onModuleDestroy(): void {
    this.timer?.cancel();
    this.unsubscribe?.();
  }

  connected(socketId: string, actor: Actor): void {
    if (actor.userId) this.live.join(socketId, userRoom(actor.userId));
  }

  disconnected(socketId: string): void {
    this.intents.delete(socketId);
    this.stream.forget(socketId);
  }

  /** Records a watch or unwatch of `room`; the answer says whether it is still the socket's latest for that room. */
  private intend(socketId: string, room: string): () => boolean {
    const rooms = this.intents.get(socketId) ?? new Map<string, number>();
    this.intents.set(socketId, rooms);
    const count = (rooms.get(room) ?? 0) + 1;
    rooms.set(room, count);
    return () => this.intents.get(socketId)?.get(room) === count;
  }

  watch(socketId: string, actor: Actor, body: unknown): Promise<Ack> {
    return this.answer(actor, 'watch', body, async () => {
      const parsed = this.parse(body);
      if ('patientId' in parsed) {
        const latest = this.intend(socketId, patientRoom(parsed.patientId));
        await this.access.patient(actor, parsed.patientId);
        await this.audit.record(actor, 'live.watch', { patientId: parsed.patientId, details: parsed.since ? { since: parsed.since } : undefined });
        await this.stream.watch(socketId, parsed.patientId, parsed.since ? new Date(parsed.since) : undefined, latest);
      } else {
        const latest = this.intend(socketId, teamRoom(parsed.teamId));
        const team = await this.access.team(actor, parsed.teamId);
        await this.audit.record(actor, 'live.watch_team', { targetType: 'team', targetId: team.id, details: { patientIds: team.patients.map((p) => p.id) } });
        if (latest()) this.overview.watch(socketId, team.id);
      }
    });
  }

  unwatch(socketId: string, actor: Actor, body: unknown): Promise<Ack> {
    return this.answer(actor, 'unwatch', body, async () => {
      const parsed = this.parse(body);
      // Left first: a patient moved to another team meanwhile is "not found" now, and must not stay watched.
      if ('patientId' in parsed) {
        this.intend(socketId, patientRoom(parsed.patientId));
        this.stream.unwatch(socketId, parsed.patientId);
        await this.access.patient(actor, parsed.patientId);
        await this.audit.record(actor, 'live.unwatch', { patientId: parsed.patientId });
      } else {
        this.intend(socketId, teamRoom(parsed.teamId));
        this.overview.unwatch(socketId, parsed.teamId);
        await this.access.team(actor, parsed.teamId);
        await this.audit.record(actor, 'live.unwatch_team', { targetType: 'team', targetId: parsed.teamId });
      }
    });
  }

  /** Checks this instance's sockets (sessions, then rooms); a check asked for while one runs runs after it, once. */
  checkSockets(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    const run = async () => {
      do {
        this.checkAgain = false;
        await this.checkSessions();
        await this.checkRooms();
      } while (this.checkAgain);
    };
    this.checking = run()
      .catch((err: unknown) => this.logger.warn({ err }, 'socket check failed'))
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Disconnects this instance's sockets whose session was revoked or expired, or whose user was disabled. */
  private async checkSessions(): Promise<void> {
    const sockets = this.live.localSockets().filter((socket) => socket.actor?.sessionId);
    if (sockets.length === 0) return;
    const live = await this.sessions.liveAmong([...new Set(sockets.map((socket) => socket.actor!.sessionId!))]);
    for (const socket of sockets) {
      if (live.has(socket.actor!.sessionId!)) continue;
      this.metrics.disconnects.inc({ reason: 'session_ended' });
      this.live.disconnect(socket.id);
    }
  }

  /** Takes this instance's sockets out of the patient and team rooms their user may no longer see. */
  private async checkRooms(): Promise<void> {
    const watching = this.live.localSockets().flatMap(({ id, actor }) => {
      if (!actor?.userId) return [];
      const userId = actor.userId;
      return this.live.rooms(id).flatMap((room) => {
        const about = watchedIn(room);
        return about ? [{ socketId: id, actor, userId, about }] : [];
      });
    });
    if (watching.length === 0) return;
    const allowed = await this.access.allowed(watching.map(({ userId, about }) => ({ userId, ...about })));
    for (const [i, { socketId, actor, about }] of watching.entries()) {
      if (allowed[i]) continue;
      const reason = 'you are no longer in its care team';
      if ('patientId' in about) {
        this.stream.unwatch(socketId, about.patientId);
        await this.audit.record(actor, 'live.unwatch', { patientId: about.patientId, details: { by: 'server', reason: 'access ended' } });
      } else {
        this.overview.unwatch(socketId, about.teamId);
        await this.audit.record(actor, 'live.unwatch_team', { targetType: 'team', targetId: about.teamId, details: { by: 'server', reason: 'access ended' } });
      }
      this.stream.resync(socketId, { ...about, reason }, 'access');
    }
  }

  private parse(body: unknown) {
    // The union's own error says only "invalid input": parse by the shape the client meant, to name the field.
    const meant = typeof body === 'object' && body !== null && 'teamId' in body ? watchBody.options[1] : watchBody.options[0];
    const parsed = meant.safeParse(body);
    if (parsed.success) return parsed.data;
    const problems = fieldErrors(parsed.error.issues).map(({ field, message }) => `${field || 'body'}: ${message}`);
    throw new InvalidBody(`invalid body: ${problems.join('; ')}; expected {patientId, since?} or {teamId}`);
  }

  /** Runs a socket request; another team's patient or team is "not found", audited as a refusal like a REST 404. */
  private async answer(actor: Actor, event: 'watch' | 'unwatch', body: unknown, work: () => Promise<void>): Promise<Ack> {
    try {
      await work();
      return { ok: true };
    } catch (error) {
      if (error instanceof NotFoundError) {
        const { patientId, teamId } = body as { patientId?: string; teamId?: string }; // valid: parsed before access was checked
        const params: Record<string, string> = patientId ? { patientId } : { teamId: teamId! };
        await this.refusals.record(actor, { status: 404, method: 'SOCKET', route: event, params, patientId });
        return { error: 'not found' };
      }
      if (error instanceof InvalidBody) return { error: error.message };
      this.logger.error({ err: error }, 'live request failed');
      return { error: 'the server could not do this; try again' };
    }
  }
}

class InvalidBody extends Error {}
