import { Injectable } from '@nestjs/common';
import { DatabaseRepository, type Dialect } from '../repositories/database.repository.js';
import { DeadLetterRepository } from '../repositories/dead-letter.repository.js';
import { DeviceRepository } from '../repositories/device.repository.js';
import { PatientRepository } from '../repositories/patient.repository.js';
import { ReadingRepository } from '../repositories/reading.repository.js';

export interface PlatformStatus {
  dialect: Dialect;
  patients: number;
  devices: number;
  /** Exact up to a million stored; past that the database's estimate (`readingsExact` false). */
  readings: number;
  readingsExact: boolean;
  deadLetters: number;
  lastReadingAt: string | null;
}

@Injectable()
export class StatusService {
  constructor(
    private readonly db: DatabaseRepository,
    private readonly patients: PatientRepository,
    private readonly devices: DeviceRepository,
    private readonly readings: ReadingRepository,
    private readonly deadLetters: DeadLetterRepository,
  ) {}

  async status(): Promise<PlatformStatus> {
    const [patients, devices, readings, deadLetters] = await Promise.all([
      this.patients.count(),
      this.devices.count(),
      this.readings.count(),
      this.deadLetters.count(),
    ]);
    return {
      dialect: this.db.dialect,
      patients,
      devices,
      readings: readings.readings,
      readingsExact: readings.exact,
      deadLetters,
      lastReadingAt: readings.lastReadingAt?.toISOString() ?? null,
    };
  }
}
