import { Injectable, Logger } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { REFUSAL_AUDIT_LIMIT, REFUSAL_AUDIT_WINDOW_SECONDS } from '../domain/auth-policy.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';
import { AuditService } from './audit.service.js';

/** A request a signed-in user was refused: 404 (a patient outside their teams looks missing) or 403 (no admin role). */
export interface Refusal {
  status: 403 | 404;
  method: string;
  /** The route as declared (`/api/patients/:id`), so entries group by route. */
  route: string;
  /** The path parameters (ids) asked for. */
  params: Record<string, string>;
  /** The patient asked for, when the route names one. */
  patientId?: string;
}

/**
 * Audits refused access by signed-in users (`access.refused`: who, which route, which ids,
 * the status, from where), so a colleague probing patients of other teams, or admin routes,
 * leaves a trace. At most REFUSAL_AUDIT_LIMIT entries per user per window: the next refusal
 * writes one `access.refused_throttled` entry and the rest of the window is counted, not
 * written, so a script cannot flood the log.
 */
@Injectable()
export class RefusalAuditService {
  private readonly logger = new Logger('RefusalAuditService');

  constructor(
    private readonly audit: AuditService,
    private readonly limits: RateLimitRepository,
  ) {}

  async record(actor: Actor, refusal: Refusal): Promise<void> {
    try {
      const { count, retryAfterSeconds } = await this.limits.hit(`audit-refusals:${actor.userId ?? actor.label}`, REFUSAL_AUDIT_WINDOW_SECONDS);
      if (count > REFUSAL_AUDIT_LIMIT + 1) return;
      const throttled = count === REFUSAL_AUDIT_LIMIT + 1;
      await this.audit.record(actor, throttled ? 'access.refused_throttled' : 'access.refused', {
        patientId: refusal.patientId,
        targetType: 'route',
        targetId: `${refusal.method} ${refusal.route}`,
        details: {
          status: refusal.status,
          params: refusal.params,
          ...(throttled ? { limit: REFUSAL_AUDIT_LIMIT, windowSeconds: REFUSAL_AUDIT_WINDOW_SECONDS, resumesInSeconds: retryAfterSeconds } : {}),
        },
      });
    } catch (error) {
      // The refusal itself stands; only its record is missing.
      this.logger.warn({ err: error }, 'could not audit a refused request');
    }
  }
}
