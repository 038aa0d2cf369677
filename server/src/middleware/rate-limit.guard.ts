import { applyDecorators, type CanActivate, type ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { TooManyRequestsError } from '../domain/errors.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';

/** Requests per client address and route, per window: generous for a person, slow for a script. */
export const AUTH_RATE_LIMIT = { limit: 10, windowSeconds: 60 };

const FAILURES_ONLY = 'vigil:rate-limit:failures-only';

/**
 * Rate limit of the auth routes, counted in Redis across instances. (@nestjs/throttler is
 * CommonJS and cannot load Nest 12's ESM-only packages under jest; this is the part we need.)
 *
 * A route marked `failuresOnly` counts only the requests it refuses (status 400 and up): a
 * session refresh with a valid cookie is never limited, so a ward whose staff share one
 * address (one NAT) can reload the dashboard as often as it likes, while a script trying
 * cookies is still stopped after ten misses a minute.
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimitRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const name = `route:${context.getClass().name}.${context.getHandler().name}:${req.ip}`;
    const failuresOnly = this.reflector.get<boolean>(FAILURES_ONLY, context.getHandler()) === true;
    const { count, retryAfterSeconds } = failuresOnly
      ? await this.limits.peek(name).then((seen) => ({ ...seen, count: seen.count + 1 }))
      : await this.limits.hit(name, AUTH_RATE_LIMIT.windowSeconds);
    res.setHeader('RateLimit-Limit', String(AUTH_RATE_LIMIT.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, AUTH_RATE_LIMIT.limit - count)));
    if (count > AUTH_RATE_LIMIT.limit) throw new TooManyRequestsError('too many requests; wait a minute and try again', retryAfterSeconds);
    if (failuresOnly) res.once('finish', () => void this.countFailure(name, res.statusCode));
    return true;
  }

  private async countFailure(name: string, status: number): Promise<void> {
    // The answer has gone out already; should Redis be unreachable now, the next request's peek fails with it.
    if (status >= 400) await this.limits.hit(name, AUTH_RATE_LIMIT.windowSeconds).catch(() => undefined);
  }
}

/** Limits a route per client address; `failuresOnly` counts only the requests it refuses. */
export const RateLimited = (options: { failuresOnly?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(FAILURES_ONLY, options.failuresOnly === true),
    UseGuards(AuthRateLimitGuard),
    ApiResponse({ status: 429, description: 'Too many requests from this address (Retry-After)' }),
  );
