import { Injectable } from '@nestjs/common';
import { type Actor, CLI_ACTOR } from '../domain/actor.js';
import { fieldErrors, InvalidInputError } from '../domain/errors.js';
import { type OperatorArgs, type OperatorCommand, operatorCommands } from '../dtos/operator.dto.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { DeviceAdminService } from './device-admin.service.js';
import { MigrationService } from './migration.service.js';
import { MosquittoExportService } from './mosquitto-export.service.js';
import { PatientAdminService } from './patient-admin.service.js';
import { ProvisioningCheckService } from './provisioning-check.service.js';
import { SeedService } from './seed.service.js';
import { TeamAdminService } from './team-admin.service.js';
import { UserAdminService } from './user-admin.service.js';
import { StatusService } from './status.service.js';

/**
 * The operator contract's commands. The `vigil` CLI runs them here in-process, or sends them
 * to a running embedded server, which runs them here on its own (single) connection.
 */
@Injectable()
export class OperatorService {
  constructor(
    private readonly db: DatabaseRepository,
    private readonly migrations: MigrationService,
    private readonly teamAdmin: TeamAdminService,
    private readonly patientAdmin: PatientAdminService,
    private readonly deviceAdmin: DeviceAdminService,
    private readonly userAdmin: UserAdminService,
    private readonly seed: SeedService,
    private readonly statusService: StatusService,
    private readonly mosquitto: MosquittoExportService,
    private readonly provisioning: ProvisioningCheckService,
  ) {}

  isCommand(name: string): name is OperatorCommand {
    return Object.hasOwn(operatorCommands, name);
  }

  /** Validates `rawArgs` for `command` and runs it; the result is the command's JSON output. */
  async execute(command: string, rawArgs: unknown, actor: Actor = CLI_ACTOR): Promise<unknown> {
    if (!this.isCommand(command)) throw new InvalidInputError(`unknown command "${command}"`);
    const parsed = operatorCommands[command].safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues);
      throw new InvalidInputError(errors.map((e) => `--${kebab(e.field)}: ${e.message}`).join('; '), errors);
    }
    return this.run(command, parsed.data as never, actor);
  }

  private async run<C extends OperatorCommand>(command: C, args: OperatorArgs<C>, actor: Actor): Promise<unknown> {
    switch (command) {
      case 'migrate':
        return { applied: await this.migrations.migrate(this.db.dialect) };
      case 'team create': {
        const { name } = args as OperatorArgs<'team create'>;
        return { id: (await this.teamAdmin.createTeam(actor, name)).id };
      }
      case 'user create': {
        const input = args as OperatorArgs<'user create'>;
        // The operator contract: the user is enrolled with the TOTP secret printed here.
        const created = await this.userAdmin.createUser(actor, { ...input, enrolNow: true });
        return {
          id: created.user.id,
          totpSecret: created.totpSecret,
          ...(created.generatedPassword ? { password: created.generatedPassword } : {}),
        };
      }
      case 'patient create': {
        const input = args as OperatorArgs<'patient create'>;
        return { id: (await this.patientAdmin.createPatient(actor, input)).id };
      }
      case 'device create': {
        const { device, secret } = await this.deviceAdmin.createDevice(actor, args as OperatorArgs<'device create'>);
        return { id: device.id, secret };
      }
      case 'seed demo':
        return this.seed.seedDemo((args as OperatorArgs<'seed demo'>).patients, actor);
      case 'status':
        return this.statusService.status();
      case 'mosquitto export': {
        const { serverUser, serverPassword } = args as OperatorArgs<'mosquitto export'>;
        return this.mosquitto.export(actor, { user: serverUser, password: serverPassword });
      }
      case 'demo code':
        return this.seed.demoCode((args as OperatorArgs<'demo code'>).email);
      case 'provisioning check':
        return this.provisioning.check(actor, args as OperatorArgs<'provisioning check'>);
    }
    throw new InvalidInputError(`unknown command "${command}"`);
  }
}

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
