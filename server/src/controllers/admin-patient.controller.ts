import { Controller, Get, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import {
  adminPatientSchema,
  type CreatePatientBody,
  createPatientBody,
  type PatientListQuery,
  patientListQuery,
  type UpdatePatientBody,
  updatePatientBody,
} from '../dtos/admin.dto.js';
import { uuid } from '../dtos/common.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodQuery, ZodResponse } from '../middleware/zod.js';
import { PatientAdminService } from '../services/patient-admin.service.js';

/** Patients as administrative records (name, team, SpO2 scale): no readings or alerts here. */
@ApiTags('admin')
@Controller('api/admin/patients')
@Authenticated()
export class AdminPatientController {
  constructor(private readonly admin: PatientAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Patients, optionally of one team, without clinical data (admin)' })
  @ZodResponse(z.array(adminPatientSchema), { description: 'By name' })
  list(@CurrentActor() actor: Actor, @ZodQuery(patientListQuery) query: PatientListQuery) {
    return this.admin.listPatients(actor, query.teamId);
  }

  @Post()
  @ApiOperation({ summary: 'Registers a patient under a care team (admin)' })
  @ZodResponse(adminPatientSchema, { status: 201, description: 'Created' })
  create(@CurrentActor() actor: Actor, @ZodBody(createPatientBody) body: CreatePatientBody) {
    return this.admin.createPatient(actor, { name: body.name, team: body.teamId, spo2Scale: body.spo2Scale });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Renames, moves to another team, or sets the NEWS2 SpO2 scale (admin)' })
  @ZodResponse(adminPatientSchema, { description: 'Changed' })
  update(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string, @ZodBody(updatePatientBody) body: UpdatePatientBody) {
    return this.admin.updatePatient(actor, id, body);
  }
}
