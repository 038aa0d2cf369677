import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { type BrokerDecision, brokerAuthenticateSchema, brokerAuthorizeSchema } from '../dtos/broker-auth.dto.js';
import { BrokerAuthenticated } from '../middleware/broker-token.guard.js';
import { ZodBody } from '../middleware/zod.js';
import { BrokerAuthService } from '../services/broker-auth.service.js';

/**
 * EMQX HTTP authentication and authorisation backends (docs/operations.md). Called by the
 * broker with `Authorization: Bearer <VIGIL_BROKER_AUTH_TOKEN>`, not by users.
 */
@ApiTags('broker')
@Controller('api/broker')
@BrokerAuthenticated()
export class BrokerAuthController {
  constructor(private readonly brokerAuth: BrokerAuthService) {}

  @Post('authenticate')
  @HttpCode(200)
  @ApiOperation({ summary: 'EMQX HTTP authentication: may this device (or the Vigil server) connect?' })
  authenticate(@ZodBody(brokerAuthenticateSchema) body: z.output<typeof brokerAuthenticateSchema>): Promise<BrokerDecision> {
    return this.brokerAuth.authenticate(body);
  }

  @Post('authorize')
  @HttpCode(200)
  @ApiOperation({ summary: 'EMQX HTTP authorisation: may this client publish or subscribe to this topic?' })
  authorize(@ZodBody(brokerAuthorizeSchema) body: z.output<typeof brokerAuthorizeSchema>): BrokerDecision {
    return this.brokerAuth.authorize(body);
  }
}
