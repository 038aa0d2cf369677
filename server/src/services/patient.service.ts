import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { groupByPatient, LATEST_LOOKBACK_SECONDS, type LatestValue, latestByPatient, NEWS2_FRESH_SECONDS } from '../domain/caseload.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { AlertSettingsRepository, type PassiveInterval } from '../repositories/alert-settings.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { type DeviceState, OverviewRepository } from '../repositories/overview.repository.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { type Patient, PatientRepository } from '../repositories/patient.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

export interface PatientRecord extends Patient {
  latest: Record<string, LatestValue>;
  devices: Array<Omit<DeviceState, 'patientId'>>;
  /** Passive intervals covering now, as on the overview. */
  passive: Array<Omit<PassiveInterval, 'patientId'>>;
}

/** Patient routes for care staff; every read goes through AccessService first and is audited. */
@Injectable()
export class PatientService {
  constructor(
    private readonly access: AccessService,
    private readonly overview: OverviewRepository,
    private readonly audit: AuditService,
    private readonly settings: AlertSettingsRepository,
    private readonly clock: ClockRepository,
    private readonly patients: PatientRepository,
  ) {}

  /** The patients of the caller's teams. */
  async list(actor: Actor): Promise<Patient[]> {
    const patients = await this.access.patientsOf(actor);
    await this.audit.record(actor, 'patient.list', { details: { patientIds: patients.map((p) => p.id) } });
    return patients;
  }

  /** One patient with the latest value per metric, its devices and passive intervals; 404 outside the caller's teams. */
  async get(actor: Actor, patientId: string): Promise<PatientRecord> {
    const patient = await this.access.patient(actor, patientId);
    const [rows, devices, passive] = await Promise.all([
      this.overview.latestReadings([patient.id], METRIC_CODES, LATEST_LOOKBACK_SECONDS, NEWS2_FRESH_SECONDS),
      this.overview.devices([patient.id]),
      this.settings.passiveAt([patient.id], this.clock.date()),
    ]);
    await this.audit.record(actor, 'patient.view', { patientId: patient.id, targetType: 'patient', targetId: patient.id });
    return {
      ...patient,
      latest: latestByPatient(rows).get(patient.id) ?? {},
      devices: groupByPatient(devices).get(patient.id) ?? [],
      passive: passive.map(({ patientId: _patientId, ...interval }) => interval),
    };
  }

  /**
   * The patient's NEWS2 SpO2 scale: a clinician of the patient's team decides it (RCP 2017: scale 2
   * only for confirmed hypercapnic respiratory failure); audited with the old and new scale.
   */
  async setSpo2Scale(actor: Actor, patientId: string, spo2Scale: 1 | 2): Promise<Patient> {
    const patient = await this.access.patient(actor, patientId);
    if (actor.role !== 'clinician') throw new ForbiddenError('setting the SpO2 scale needs the clinician role');
    const updated = await this.patients.update(patient.id, { spo2Scale });
    if (!updated) throw new NotFoundError(`patient ${patientId} not found`);
    await this.audit.record(actor, 'patient.spo2_scale', {
      patientId: patient.id,
      targetType: 'patient',
      targetId: patient.id,
      details: { from: patient.spo2Scale, to: spo2Scale },
    });
    return updated;
  }
}
