import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { UnauthorizedError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { bearerToken } from './auth.guard.js';

/**
 * With VIGIL_METRICS_TOKEN set, /metrics answers only a scraper presenting
 * `Authorization: Bearer <token>` (Prometheus: `authorization: {credentials: …}`); without
 * it the route stays open, for deployments that keep it on an internal network instead.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoRepository,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.metricsToken;
    if (!expected) return true;
    const given = bearerToken(context.switchToHttp().getRequest<Request>());
    if (given && this.crypto.safeEqual(given, expected)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedError('/metrics needs the VIGIL_METRICS_TOKEN as a bearer token');
  }
}
