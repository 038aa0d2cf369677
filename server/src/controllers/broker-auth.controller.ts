import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BrokerDecision } from '../dtos/broker-auth.dto.js';
import { BrokerAuthService } from '../services/broker-auth.service.js';

/**
 * EMQX HTTP authentication and authorisation backends (docs/operations.md). Called by the
 * broker with `Authorization: Bearer <VIGIL_BROKER_AUTH_TOKEN>`, not by users.
 */
@ApiTags('broker')
@Controller('api/broker')
export class BrokerAuthController {
  constructor(private readonly brokerAuth: BrokerAuthService) {}

  @Post('authenticate')
  @HttpCode(200)
  @ApiOperation({ summary: 'EMQX HTTP authentication: may this device (or the Vigil server) connect?' })
  authenticate(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): Promise<BrokerDecision> {
    return this.brokerAuth.authenticate(authorization, body);
  }

  @Post('authorize')
  @HttpCode(200)
  @ApiOperation({ summary: 'EMQX HTTP authorisation: may this client publish or subscribe to this topic?' })
  authorize(@Headers('authorization') authorization: string | undefined, @Body() body: unknown): BrokerDecision {
    return this.brokerAuth.authorize(authorization, body);
  }
}
