import { type CallHandler, createParamDecorator, type ExecutionContext, Inject, Injectable, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { IssuedSession } from '../services/session.service.js';

/**
 * The refresh token travels only in this cookie: httpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it), Secure when the public URL is https, and sent only to the
 * auth routes.
 */
export const REFRESH_COOKIE = 'vigil_refresh';
const COOKIE_PATH = '/api/auth';

function cookieOptions(config: AppConfig): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: config.publicUrl.startsWith('https:'), path: COOKIE_PATH };
}

/** Sets the cookie from a result's `refresh` and answers with the rest (the access token). */
@Injectable()
class SessionCookieInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler<IssuedSession>): Observable<Omit<IssuedSession, 'refresh'>> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map(({ refresh, ...body }) => {
        res.cookie(REFRESH_COOKIE, refresh.token, { ...cookieOptions(this.config), expires: refresh.expiresAt });
        res.setHeader('Cache-Control', 'no-store');
        return body;
      }),
    );
  }
}

/** Clears the cookie once the route succeeded (logout, password change). */
@Injectable()
class ClearSessionCookieInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        res.clearCookie(REFRESH_COOKIE, cookieOptions(this.config));
        return body;
      }),
    );
  }
}

/** The route returns an IssuedSession: the refresh token goes into the cookie, not the body. */
export const IssuesSession = () => UseInterceptors(SessionCookieInterceptor);
export const EndsSession = () => UseInterceptors(ClearSessionCookieInterceptor);

/** The refresh token from the cookie, if any (document the route with @ApiCookieAuth(REFRESH_COOKIE)). */
export const RefreshCookie = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const cookies = (context.switchToHttp().getRequest<Request>().cookies ?? {}) as Record<string, string | undefined>;
  return cookies[REFRESH_COOKIE];
});
