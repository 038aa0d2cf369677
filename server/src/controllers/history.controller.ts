import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../domain/actor.js';
import { uuid } from '../dtos/common.dto.js';
import { type EventsQuery, eventsQuery, eventsResponse, type ReadingsQuery, readingsQuery, readingsResponse } from '../dtos/history.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodParam, ZodQuery, ZodResponse } from '../middleware/zod.js';
import { HistoryService } from '../services/history.service.js';

@ApiTags('history')
@Controller('api/patients/:id')
@Authenticated()
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get('readings')
  @ApiOperation({ summary: 'A metric’s history in at most `points` buckets (raw, 1-minute or 1-hour source), with true min and max per bucket' })
  @ZodResponse(readingsResponse, { description: 'The series' })
  @ApiResponse({ status: 400, description: 'A bad query: the message and `errors` name the field' })
  @ApiResponse({ status: 404, description: 'No such patient among the caller’s teams (whether or not it exists)' })
  readings(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string, @ZodQuery(readingsQuery) query: ReadingsQuery) {
    return this.history.readingsOf(actor, id, query);
  }

  @Get('events')
  @ApiOperation({ summary: 'The patient’s device events (falls, bed exits, doors, doses, alarm button) in a time range' })
  @ZodResponse(eventsResponse, { description: 'Newest first' })
  @ApiResponse({ status: 400, description: 'A bad query: the message and `errors` name the field' })
  @ApiResponse({ status: 404, description: 'No such patient among the caller’s teams (whether or not it exists)' })
  events(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string, @ZodQuery(eventsQuery) query: EventsQuery) {
    return this.history.eventsOf(actor, id, query);
  }
}
