import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import { ReadinessService } from '../services/readiness.service.js';

@ApiTags('operations')
@Controller('api')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('health')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up (no dependencies checked)' })
  health() {
    return this.readiness.live();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database (and its dialect), Redis and MQTT broker answer' })
  ready() {
    return this.readiness.ready();
  }
}
