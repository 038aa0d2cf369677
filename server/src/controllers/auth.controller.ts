import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../domain/actor.js';
import {
  type EnrolmentBody,
  enrolmentBody,
  enrolmentConfirmResponse,
  enrolmentResponse,
  type LoginBody,
  loginBody,
  loginResponse,
  type MfaBody,
  mfaBody,
  meResponse,
  type PasswordBody,
  passwordBody,
  type RecoveryCodesBody,
  recoveryCodesBody,
  recoveryCodesResponse,
  sessionResponse,
} from '../dtos/auth.dto.js';
import { Authenticated, BearerToken, Client, CurrentActor } from '../middleware/auth.guard.js';
import { RateLimited } from '../middleware/rate-limit.guard.js';
import { EndsSession, IssuesSession, RefreshCookie } from '../middleware/session-cookie.js';
import { ZodBody, ZodResponse } from '../middleware/zod.js';
import { REFRESH_COOKIE_SCHEME } from '../openapi.js';
import { AuthService } from '../services/auth.service.js';
import { EnrolmentService } from '../services/enrolment.service.js';
import type { ClientInfo } from '../services/lockout.service.js';
import { SessionService } from '../services/session.service.js';

const FAILED = { status: 401, description: 'Wrong credentials or code (the same answer for an unknown e-mail)' };
const LOCKED = { status: 423, description: 'The account is locked for this address after repeated failures from it (Retry-After says for how long)' };
const THROTTLED = { status: 429, description: 'Too many failed attempts from this address, or on this account from many addresses (Retry-After)' };

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly enrolment: EnrolmentService,
    private readonly sessions: SessionService,
  ) {}

  @Post('login')
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign-in step 1: e-mail and password. Yields an mfaToken for step 2, never an access token.' })
  @ZodResponse(loginResponse, { description: 'Password accepted; a one-time code is needed next' })
  @ApiResponse(FAILED)
  @ApiResponse(LOCKED)
  @ApiResponse(THROTTLED)
  login(@ZodBody(loginBody) body: LoginBody, @Client() client: ClientInfo) {
    return this.auth.login(body, client);
  }

  @Post('mfa')
  @RateLimited()
  @HttpCode(200)
  @IssuesSession()
  @ApiOperation({ summary: 'Sign-in step 2: a TOTP code or a recovery code. Sets the httpOnly refresh cookie.' })
  @ZodResponse(sessionResponse, { description: 'Signed in' })
  @ApiResponse(FAILED)
  @ApiResponse(LOCKED)
  @ApiResponse(THROTTLED)
  mfa(@ZodBody(mfaBody) body: MfaBody, @Client() client: ClientInfo) {
    return this.auth.completeMfa(body, client);
  }

  @Post('enrolment')
  @RateLimited()
  @HttpCode(200)
  @ApiOperation({ summary: 'For a user without TOTP (enrolmentRequired): a new secret as otpauth URI and QR code' })
  @ZodResponse(enrolmentResponse, { description: 'Scan it, then confirm with a first code' })
  enrol(@ZodBody(enrolmentBody) body: EnrolmentBody, @Client() client: ClientInfo) {
    return this.enrolment.offer(body, client);
  }

  @Post('enrolment/confirm')
  @RateLimited()
  @HttpCode(200)
  @IssuesSession()
  @ApiOperation({ summary: 'Completes enrolment with a first valid code and signs in; returns ten recovery codes once' })
  @ZodResponse(enrolmentConfirmResponse, { description: 'Enrolled and signed in' })
  @ApiResponse(FAILED)
  @ApiResponse(LOCKED)
  confirmEnrolment(@ZodBody(mfaBody) body: MfaBody, @Client() client: ClientInfo) {
    return this.enrolment.confirm(body, client);
  }

  @Post('refresh')
  @RateLimited({ failuresOnly: true })
  @HttpCode(200)
  @IssuesSession()
  @ApiCookieAuth(REFRESH_COOKIE_SCHEME)
  @ApiOperation({ summary: 'A new access token for the refresh cookie, which is replaced; a reused cookie ends the session' })
  @ZodResponse(sessionResponse, { description: 'Refreshed' })
  @ApiResponse({ status: 401, description: 'No cookie, or the session has ended' })
  refresh(@RefreshCookie() refreshToken: string | undefined, @Client() client: ClientInfo) {
    return this.sessions.refresh(refreshToken, client);
  }

  @Post('logout')
  @RateLimited()
  @HttpCode(204)
  @EndsSession()
  @ApiCookieAuth(REFRESH_COOKIE_SCHEME)
  @ApiOperation({
    summary: 'Ends this session: its access and refresh tokens stop working at once',
    description:
      'The refresh cookie names the session, so an expired access token does not stop a sign-out; an access token, when sent, ends its session too. Always clears the cookie.',
  })
  @ApiResponse({ status: 204, description: 'Signed out (also when the session had already ended)' })
  logout(@RefreshCookie() refreshToken: string | undefined, @BearerToken() accessToken: string | undefined, @Client() client: ClientInfo) {
    return this.sessions.logout({ refreshToken, accessToken }, client);
  }

  @Post('password')
  @RateLimited()
  @HttpCode(204)
  @Authenticated()
  @EndsSession()
  @ApiOperation({ summary: 'Changes the password (the current one is needed) and ends every session of the user' })
  @ApiResponse({ status: 400, description: 'The current password is wrong (counted towards the lock), or the new one too weak' })
  @ApiResponse(LOCKED)
  changePassword(@CurrentActor() actor: Actor, @ZodBody(passwordBody) body: PasswordBody, @Client() client: ClientInfo) {
    return this.auth.changePassword(actor, body, client);
  }

  @Post('recovery-codes')
  @RateLimited()
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Replaces the recovery codes with ten new ones; needs a current TOTP code' })
  @ZodResponse(recoveryCodesResponse, { description: 'The new codes, shown only now' })
  regenerateRecoveryCodes(@CurrentActor() actor: Actor, @ZodBody(recoveryCodesBody) body: RecoveryCodesBody, @Client() client: ClientInfo) {
    return this.enrolment.regenerateRecoveryCodes(actor, body, client);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The signed-in user and their teams' })
  @ZodResponse(meResponse, { description: 'The user' })
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }
}
