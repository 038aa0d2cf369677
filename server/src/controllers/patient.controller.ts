import { Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { uuid } from '../dtos/common.dto.js';
import { overviewSchema, patientRecordSchema, patientSchema, type Spo2ScaleBody, spo2ScaleBody } from '../dtos/patient.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodResponse } from '../middleware/zod.js';
import { OverviewService } from '../services/overview.service.js';
import { PatientService } from '../services/patient.service.js';

@ApiTags('patients')
@Controller('api')
@Authenticated()
export class PatientController {
  constructor(
    private readonly patients: PatientService,
    private readonly overviews: OverviewService,
  ) {}

  @Get('patients')
  @ApiOperation({ summary: 'The patients of the caller’s care teams' })
  @ZodResponse(z.array(patientSchema), { description: 'By name' })
  list(@CurrentActor() actor: Actor) {
    return this.patients.list(actor);
  }

  @Get('patients/:id')
  @ApiOperation({ summary: 'One patient with the latest value per metric and its devices' })
  @ZodResponse(patientRecordSchema, { description: 'The patient' })
  @ApiResponse({ status: 404, description: 'No such patient among the caller’s teams (whether or not it exists)' })
  get(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string) {
    return this.patients.get(actor, id);
  }

  @Put('patients/:id/spo2-scale')
  @ApiOperation({ summary: 'Sets the patient’s NEWS2 SpO2 scale, 1 or 2 (clinicians of the patient’s team; audited)' })
  @ZodResponse(patientSchema, { description: 'The patient with the new scale' })
  @ApiResponse({ status: 403, description: 'The caller is not a clinician' })
  @ApiResponse({ status: 404, description: 'No such patient among the caller’s teams (whether or not it exists)' })
  setSpo2Scale(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string, @ZodBody(spo2ScaleBody) body: Spo2ScaleBody) {
    return this.patients.setSpo2Scale(actor, id, body.spo2Scale);
  }

  @Get('overview')
  @ApiOperation({ summary: 'The caller’s caseload: latest values, NEWS2, open alerts and devices per patient' })
  @ZodResponse(overviewSchema, { description: 'Most urgent first' })
  overview(@CurrentActor() actor: Actor) {
    return this.overviews.overviewFor(actor);
  }
}
