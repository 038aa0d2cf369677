import { Injectable } from '@nestjs/common';
import { CLI_ACTOR, type Actor } from '../domain/actor.js';
import { demoKit, demoPatientName } from '../domain/demo-ward.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type DemoWard, DemoWardRepository } from '../repositories/demo-ward.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { AlertConfigService } from './alert-config.service.js';
import { DeviceAdminService } from './device-admin.service.js';
import { PatientAdminService } from './patient-admin.service.js';
import { TeamAdminService } from './team-admin.service.js';
import { UserAdminService } from './user-admin.service.js';

export const DEMO_TEAM = 'Demo ward';
/** The demo user a newcomer signs in as. */
export const DEMO_CLINICIAN = 'clinician@vigil.example';
const TOTP_PERIOD_SECONDS = 30;

@Injectable()
export class SeedService {
  constructor(
    private readonly teamAdmin: TeamAdminService,
    private readonly patientAdmin: PatientAdminService,
    private readonly deviceAdmin: DeviceAdminService,
    private readonly userAdmin: UserAdminService,
    private readonly teams: TeamRepository,
    private readonly crypto: CryptoRepository,
    private readonly demoWard: DemoWardRepository,
    private readonly clock: ClockRepository,
    private readonly alertConfig: AlertConfigService,
  ) {}

  /**
   * The demo that `npm start` shows: the ward of DATA_DIR/demo.json when it exists; else, on a
   * new database (no team yet), a freshly seeded one; else none (an installation in use is
   * never seeded behind its operator's back).
   */
  async demoForStart(patients: number): Promise<{ ward: DemoWard; seeded: boolean; file: string } | undefined> {
    const existing = this.demoWard.read();
    if (existing) return { ward: existing, seeded: false, file: this.demoWard.location };
    if ((await this.teams.list()).length > 0) return undefined;
    return { ward: await this.seedDemo(patients), seeded: true, file: this.demoWard.location };
  }

  /** Creates the demo ward (team, staff, patients, devices) once and keeps its credentials in DATA_DIR/demo.json. */
  async seedDemo(patients: number, actor: Actor = CLI_ACTOR): Promise<DemoWard> {
    if (await this.teams.findByName(DEMO_TEAM)) {
      throw new ConflictError(`the demo ward already exists; its credentials are in ${this.demoWard.location}`);
    }
    const team = await this.teamAdmin.createTeam(actor, DEMO_TEAM);
    // The simulated homes keep this machine's local time; their nights are the team's nights.
    await this.alertConfig.updateSettings(actor, team.id, { timeZone: this.clock.localTimeZone() });
    const staff = [
      { email: 'admin@vigil.example', name: 'Demo Admin', role: 'admin' as const },
      { email: DEMO_CLINICIAN, name: 'Demo Clinician', role: 'clinician' as const },
      { email: 'night@vigil.example', name: 'Demo Night Shift', role: 'care_staff' as const },
    ];
    const users: DemoWard['users'] = [];
    for (const person of staff) {
      const password = `demo-${this.crypto.randomSecret(9)}`;
      const created = await this.userAdmin.createUser(actor, { ...person, team: team.id, password, enrolNow: true });
      users.push({ ...person, password, totpSecret: created.totpSecret! });
    }
    const ward: DemoWard = { teamId: team.id, users, patients: [] };
    for (let i = 0; i < patients; i++) {
      const { spo2Scale, kinds } = demoKit(i);
      const name = demoPatientName(i);
      const patient = await this.patientAdmin.createPatient(actor, { name, team: team.id, spo2Scale });
      const devices = [];
      for (const kind of kinds) {
        const { device, secret } = await this.deviceAdmin.createDevice(actor, { patient: patient.id, kind });
        devices.push({ id: device.id, kind, secret });
      }
      ward.patients.push({ id: patient.id, name, spo2Scale, devices });
    }
    this.demoWard.write(ward);
    return ward;
  }

  /**
   * The current one-time code of a demo user (DATA_DIR/demo.json), so that a newcomer can sign
   * in without an authenticator app. Only users of the demo ward: their secrets are in that
   * file anyway; no real account's code can be had this way.
   */
  demoCode(email = DEMO_CLINICIAN, now = this.clock.now()): { email: string; code: string; validForSeconds: number } {
    const ward = this.demoWard.read();
    if (!ward) throw new NotFoundError(`there is no demo ward (${this.demoWard.location}); run: vigil seed demo`);
    const user = ward.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user) throw new NotFoundError(`${email} is not a demo user; demo users: ${ward.users.map((u) => u.email).join(', ')}`);
    const validForSeconds = TOTP_PERIOD_SECONDS - (Math.floor(now / 1000) % TOTP_PERIOD_SECONDS);
    return { email: user.email, code: this.demoWard.totpCode(user.totpSecret, now), validForSeconds };
  }
}
