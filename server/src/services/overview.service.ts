import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import {
  byUrgency,
  groupByPatient,
  LATEST_LOOKBACK_SECONDS,
  type LatestValue,
  latestByPatient,
  NEWS2_FRESH_SECONDS,
  news2FromLatest,
} from '../domain/caseload.js';
import { type Inhibition, inhibitions } from '../domain/alert-rules.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import type { News2Result } from '../domain/news2.js';
import type { AlertWire } from '../dtos/live.dto.js';
import { AlertRepository, toWire } from '../repositories/alert.repository.js';
import { AlertSettingsRepository, type PassiveInterval } from '../repositories/alert-settings.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { type DeviceState, OverviewRepository } from '../repositories/overview.repository.js';
import type { Patient } from '../repositories/patient.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

export interface OverviewPatient {
  id: string;
  name: string;
  teamId: string;
  latest: Record<string, LatestValue>;
  news2: News2Result;
  alerts: AlertWire[];
  devices: Array<Omit<DeviceState, 'patientId'>>;
  /** Passive intervals covering now: why the patient raises no alerts. */
  passive: Array<Omit<PassiveInterval, 'patientId'>>;
  /** Devices whose alerts are held back, and why (offline, or stale). */
  inhibited: Inhibition[];
}

/**
 * GET /api/overview: the caller's caseload, most urgent first, in a fixed number of queries
 * whatever its size. Only patients of the caller's teams are ever read.
 */
@Injectable()
export class OverviewService {
  constructor(
    private readonly access: AccessService,
    private readonly overview: OverviewRepository,
    private readonly audit: AuditService,
    private readonly alerts: AlertRepository,
    private readonly settings: AlertSettingsRepository,
    private readonly clock: ClockRepository,
  ) {}

  async overviewFor(actor: Actor): Promise<{ patients: OverviewPatient[] }> {
    const patients = await this.access.patientsOf(actor);
    const result = await this.rows(patients);
    await this.audit.record(actor, 'overview.view', { details: { patientIds: patients.map((p) => p.id) } });
    return { patients: result.sort(byUrgency) };
  }

  /** The overview rows of these patients (access already checked by the caller), in their order. */
  async rows(patients: Patient[]): Promise<OverviewPatient[]> {
    const ids = patients.map((p) => p.id);
    const [rows, devices, alerts, passive] = await Promise.all([
      this.overview.latestReadings(ids, METRIC_CODES, LATEST_LOOKBACK_SECONDS, NEWS2_FRESH_SECONDS),
      this.overview.devices(ids),
      this.alerts.unresolvedOf(ids),
      this.settings.passiveAt(ids, this.clock.date()),
    ]);
    const latest = latestByPatient(rows);
    const devicesOf = groupByPatient(devices);
    const alertsOf = groupByPatient(alerts);
    const passiveOf = groupByPatient(passive);
    return patients.map((patient): OverviewPatient => {
      const values = latest.get(patient.id) ?? {};
      const patientDevices = devicesOf.get(patient.id) ?? [];
      const patientAlerts = alertsOf.get(patient.id) ?? [];
      return {
        id: patient.id,
        name: patient.name,
        teamId: patient.teamId,
        latest: values,
        news2: news2FromLatest(values, patient.spo2Scale),
        alerts: patientAlerts.map((a) => toWire({ ...a, patientId: patient.id })),
        devices: patientDevices,
        passive: passiveOf.get(patient.id) ?? [],
        inhibited: inhibitions(patientDevices, patientAlerts),
      };
    });
  }
}
