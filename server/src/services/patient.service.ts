import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { groupByPatient, LATEST_LOOKBACK_SECONDS, type LatestValue, latestByPatient, NEWS2_FRESH_SECONDS } from '../domain/caseload.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { type DeviceState, OverviewRepository } from '../repositories/overview.repository.js';
import type { Patient } from '../repositories/patient.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

export interface PatientRecord extends Patient {
  latest: Record<string, LatestValue>;
  devices: Array<Omit<DeviceState, 'patientId'>>;
}

/** Patient routes for care staff; every read goes through AccessService first and is audited. */
@Injectable()
export class PatientService {
  constructor(
    private readonly access: AccessService,
    private readonly overview: OverviewRepository,
    private readonly audit: AuditService,
  ) {}

  /** The patients of the caller's teams. */
  async list(actor: Actor): Promise<Patient[]> {
    const patients = await this.access.patientsOf(actor);
    await this.audit.record(actor, 'patient.list', { details: { patientIds: patients.map((p) => p.id) } });
    return patients;
  }

  /** One patient with the latest value per metric and its devices; 404 outside the caller's teams. */
  async get(actor: Actor, patientId: string): Promise<PatientRecord> {
    const patient = await this.access.patient(actor, patientId);
    const [rows, devices] = await Promise.all([
      this.overview.latestReadings([patient.id], METRIC_CODES, LATEST_LOOKBACK_SECONDS, NEWS2_FRESH_SECONDS),
      this.overview.devices([patient.id]),
    ]);
    await this.audit.record(actor, 'patient.view', { patientId: patient.id, targetType: 'patient', targetId: patient.id });
    return {
      ...patient,
      latest: latestByPatient(rows).get(patient.id) ?? {},
      devices: groupByPatient(devices).get(patient.id) ?? [],
    };
  }
}
