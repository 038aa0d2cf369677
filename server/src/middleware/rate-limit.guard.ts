import { applyDecorators, type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { TooManyRequestsError } from '../domain/errors.js';
import { RateLimitRepository } from '../repositories/rate-limit.repository.js';

/** Requests per client address and route, per window: generous for a person, slow for a script. */
export const AUTH_RATE_LIMIT = { limit: 10, windowSeconds: 60 };

/**
 * Rate limit of the auth routes, counted in Redis across instances. (@nestjs/throttler is
 * CommonJS and cannot load Nest 12's ESM-only packages under jest; this is the part we need.)
 */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimitRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const { count, retryAfterSeconds } = await this.limits.hit(`route:${route}:${req.ip}`, AUTH_RATE_LIMIT.windowSeconds);
    res.setHeader('RateLimit-Limit', String(AUTH_RATE_LIMIT.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, AUTH_RATE_LIMIT.limit - count)));
    if (count > AUTH_RATE_LIMIT.limit) throw new TooManyRequestsError('too many requests; wait a minute and try again', retryAfterSeconds);
    return true;
  }
}

export const RateLimited = () =>
  applyDecorators(UseGuards(AuthRateLimitGuard), ApiResponse({ status: 429, description: 'Too many requests from this address (Retry-After)' }));
