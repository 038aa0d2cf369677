import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import type { Actor } from '../domain/actor.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { RefusalAuditService } from '../services/refusal-audit.service.js';

/**
 * Every 403 and 404 a signed-in user gets from a route (the services decide them: AccessService)
 * goes to the audit log through RefusalAuditService, on every route, later ones included.
 * Registered globally; requests without an actor (sign-in routes) are not its business.
 */
@Injectable()
export class RefusalAuditInterceptor implements NestInterceptor {
  constructor(private readonly refusals: RefusalAuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request & { actor?: Actor }>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const status = error instanceof ForbiddenError ? 403 : error instanceof NotFoundError ? 404 : undefined;
        if (!req.actor || !status) return throwError(() => error);
        const route = `${req.baseUrl}${(req.route as { path?: string } | undefined)?.path ?? req.path}`;
        const params = { ...(req.params as Record<string, string>) };
        const patientId = params.patientId ?? (/\/patients\/:id\b/.test(route) ? params.id : undefined);
        return from(this.refusals.record(req.actor, { status, method: req.method, route, params, patientId })).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
