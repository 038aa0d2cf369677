import { applyDecorators, type CanActivate, createParamDecorator, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Actor } from '../domain/actor.js';
import type { ClientInfo } from '../services/lockout.service.js';
import { SessionService } from '../services/session.service.js';

type AuthenticatedRequest = Request & { actor?: Actor };

/** The caller's address (as `trust proxy` resolves it, see VIGIL_TRUST_PROXY) and user agent. */
export function clientInfo(req: Request): ClientInfo {
  return { ip: req.ip, userAgent: req.get('user-agent') };
}

export function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * Authentication only: a valid access token of a live session (SessionService.verifyAccessToken)
 * or a 401. What the user may do is the services' decision (AccessService), never the guard's.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    req.actor = await this.sessions.verifyAccessToken(bearerToken(req), clientInfo(req));
    return true;
  }
}

/** The route needs `Authorization: Bearer <accessToken>`. */
export const Authenticated = () =>
  applyDecorators(UseGuards(AuthGuard), ApiBearerAuth(), ApiResponse({ status: 401, description: 'No valid access token, or the session has ended' }));

/** The signed-in user, as the guard resolved it (use on @Authenticated() routes). */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor on a route without @Authenticated()');
  return actor;
});

/** The bearer token as sent, unchecked, for a route that accepts one but does not need it (logout). */
export const BearerToken = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined =>
  bearerToken(context.switchToHttp().getRequest<Request>()),
);

/** The caller's address and user agent, for routes used before sign-in. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo => clientInfo(context.switchToHttp().getRequest<Request>()));
