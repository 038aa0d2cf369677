import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { uuid } from '../dtos/common.dto.js';
import {
  type PushAcknowledgeBody,
  pushAcknowledgeBody,
  pushAcknowledgedSchema,
  pushConfigSchema,
  pushDeviceListSchema,
  type PushSubscriptionBody,
  pushSubscriptionBody,
} from '../dtos/push.dto.js';
import { Authenticated, Client, CurrentActor } from '../middleware/auth.guard.js';
import { RateLimited } from '../middleware/rate-limit.guard.js';
import { ZodBody, ZodParam, ZodResponse } from '../middleware/zod.js';
import type { ClientInfo } from '../services/lockout.service.js';
import { PushService } from '../services/push.service.js';

/** Web Push: the VAPID key, the caller's devices, and the notification's Acknowledge action (docs/alerts.md). */
@ApiTags('push')
@Controller('api/push')
export class PushController {
  constructor(private readonly push: PushService) {}

  @Get('public-key')
  @Authenticated()
  @ApiOperation({ summary: 'The VAPID public key browsers subscribe with (RFC 8292); null when this server sends no Web Push' })
  @ZodResponse(pushConfigSchema, { description: 'The key' })
  publicKey() {
    return this.push.publicKey();
  }

  @Get('subscriptions')
  @Authenticated()
  @ApiOperation({ summary: 'The caller’s devices that receive alerts by Web Push, newest first' })
  @ZodResponse(pushDeviceListSchema, { description: 'Subscriptions (no endpoints or keys)' })
  list(@CurrentActor() actor: Actor) {
    return this.push.devices(actor);
  }

  @Post('subscriptions')
  @Authenticated()
  @ApiOperation({ summary: 'Stores this browser’s Web Push subscription for the caller (again for the same endpoint: replaced; audited)' })
  @ZodResponse(z.object({ id: z.string() }), { status: 201, description: 'Stored' })
  subscribe(@CurrentActor() actor: Actor, @ZodBody(pushSubscriptionBody) body: PushSubscriptionBody) {
    return this.push.subscribe(actor, body);
  }

  @Delete('subscriptions/:id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes one of the caller’s devices: it gets no more pushes and its acknowledge tokens stop working (audited)' })
  @ApiResponse({ status: 404, description: 'No such subscription of the caller' })
  remove(@CurrentActor() actor: Actor, @ZodParam('id', uuid('push subscription')) id: string) {
    return this.push.remove(actor, id);
  }

  @Post('acknowledge')
  @RateLimited({ failuresOnly: true })
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The Acknowledge action of a push notification: the service worker posts the token from the push payload (no session needed). ' +
      'The token names one alert, user and subscription and expires after an hour; the acknowledgement is audited as made from a notification.',
  })
  @ZodResponse(pushAcknowledgedSchema, { description: 'The alert’s state now' })
  @ApiResponse({ status: 401, description: 'The token is not valid, has expired, or its device was removed' })
  @ApiResponse({ status: 404, description: 'The alert is no longer among the user’s patients' })
  acknowledge(@ZodBody(pushAcknowledgeBody) body: PushAcknowledgeBody, @Client() client: ClientInfo) {
    return this.push.acknowledgeWithToken(body.token, client);
  }
}
