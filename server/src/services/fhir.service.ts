import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, CapabilityStatement, Observation, Patient } from '@medplum/fhirtypes';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import type { Actor } from '../domain/actor.js';
import { fieldErrors, InvalidInputError, NotFoundError } from '../domain/errors.js';
import {
  capabilityStatement,
  type Measurement,
  observation,
  parseObservationId,
  parseObservationSearch,
  patientResource,
  searchBundle,
  searchCursor,
} from '../domain/fhir.js';
import { observationSearchQuery } from '../dtos/fhir.dto.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { ReadingRepository } from '../repositories/reading.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/** FHIR R4 at /fhir/r4 (domain/fhir.ts builds the resources): care-team checked first, audited like every patient route. */
@Injectable()
export class FhirService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly readings: ReadingRepository,
    private readonly clock: ClockRepository,
  ) {}

  get base(): string {
    return `${this.config.publicUrl}/fhir/r4`;
  }

  metadata(): CapabilityStatement {
    return capabilityStatement(this.base);
  }

  async patient(actor: Actor, id: string): Promise<Patient> {
    const patient = await this.access.patient(actor, id);
    await this.audit.record(actor, 'fhir.patient', { patientId: patient.id });
    return patientResource(patient);
  }

  async observation(actor: Actor, id: string): Promise<Observation> {
    const key = parseObservationId(id);
    const found = key ? await this.readings.measurement(key.deviceId, key.group, key.time) : undefined;
    if (!key || !found) throw new NotFoundError(`Observation/${id} not found`);
    await this.access.patient(actor, found.patientId).catch(() => {
      throw new NotFoundError(`Observation/${id} not found`);
    });
    await this.audit.record(actor, 'fhir.observation', { patientId: found.patientId, targetType: 'observation', targetId: id });
    return observation({ ...key, values: found.values }, found.patientId);
  }

  async search(actor: Actor, rawQuery: unknown): Promise<Bundle<Observation>> {
    const parsed = observationSearchQuery.safeParse(rawQuery);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues).map((e) => ({
        field: e.field || String(e.message.match(/"([^"]+)"/)?.[1] ?? 'query'),
        message: e.message,
      }));
      throw new InvalidInputError(`unsupported or bad search parameter: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
    }
    const asOf = this.clock.now();
    const search = parseObservationSearch(parsed.data, asOf);
    await this.access.patient(actor, search.patientId);
    // The total is counted once, for the first page; the next links carry it (SearchCursor).
    const [total, rows] = await Promise.all([
      search.total ?? this.readings.countMeasurements(search.patientId, search.metrics, search.from, search.to),
      this.readings.measurements(search.patientId, search.metrics, search.from, search.to, search.count + 1, search.after),
    ]);
    const page = rows.slice(0, search.count) as Measurement[];
    const url = (cursor?: string) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(parsed.data)) if (name !== '_cursor') for (const v of [value].flat()) params.append(name, v);
      if (cursor) params.set('_cursor', cursor);
      return `${this.base}/Observation?${params.toString()}`;
    };
    await this.audit.record(actor, 'fhir.search', { patientId: search.patientId, details: { returned: page.length, total } });
    return searchBundle({
      entries: page.map((m) => ({ resource: observation(m, search.patientId) })),
      total,
      selfUrl: url(parsed.data._cursor),
      nextUrl: rows.length > search.count ? url(searchCursor({ after: page[page.length - 1], total, asOf: search.to })) : undefined,
      base: this.base,
    });
  }
}
