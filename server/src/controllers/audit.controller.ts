import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../domain/actor.js';
import { type AuditQuery, auditListSchema, auditQuery } from '../dtos/audit.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodQuery, ZodResponse } from '../middleware/zod.js';
import { AuditService } from '../services/audit.service.js';

@ApiTags('admin')
@Controller('api/admin/audit')
@Authenticated()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit log by user, patient, action and time, newest first (admin; the query is itself audited)' })
  @ZodResponse(auditListSchema, { description: 'One page; pass the smallest id as beforeId for the next' })
  query(@CurrentActor() actor: Actor, @ZodQuery(auditQuery) query: AuditQuery) {
    return this.audit.list(actor, query);
  }
}
