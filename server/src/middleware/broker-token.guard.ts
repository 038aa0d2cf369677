import { applyDecorators, type CanActivate, type ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { NotFoundError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { bearerToken } from './auth.guard.js';

/**
 * The caller is the external broker: it presents `Authorization: Bearer <VIGIL_BROKER_AUTH_TOKEN>`.
 * Unconfigured, the routes do not exist; a missing or wrong token looks the same (404).
 */
@Injectable()
export class BrokerTokenGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoRepository,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.brokerAuthToken;
    const given = bearerToken(context.switchToHttp().getRequest<Request>());
    if (!expected || !given || !this.crypto.safeEqual(given, expected)) throw new NotFoundError('not found');
    return true;
  }
}

/**
 * The routes answer only the broker that presents VIGIL_BROKER_AUTH_TOKEN. (Not marked as
 * bearer routes in the API description: that names users' access tokens, which these refuse.)
 */
export const BrokerAuthenticated = () =>
  applyDecorators(
    UseGuards(BrokerTokenGuard),
    ApiResponse({ status: 404, description: 'VIGIL_BROKER_AUTH_TOKEN is not set, or the caller did not present it' }),
  );
