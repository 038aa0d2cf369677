import { z } from 'zod';
import { DEFAULT_SERVER_USER, isServerUser } from '../domain/mosquitto-files.js';
import { deviceKind, displayName as name, email, role, spo2Scale, storableString, uuid } from './common.dto.js';

/** The operator contract's commands (docs/architecture.md), one schema each; the CLI and the control endpoint share them. */
export const operatorCommands = {
  migrate: z.object({}),
  'team create': z.object({ name }),
  'user create': z.object({
    email,
    name,
    role,
    team: uuid('team').optional(),
    password: storableString.optional(),
  }),
  'patient create': z.object({
    name,
    team: uuid('team'),
    spo2Scale: z.coerce.number().pipe(spo2Scale).default(1),
  }),
  'device create': z.object({
    patient: uuid('patient'),
    kind: deviceKind,
  }),
  'seed demo': z.object({
    patients: z.coerce.number().int().min(1).max(500, 'at most 500 demo patients').default(20),
  }),
  status: z.object({}),
  // The CLI reads the password from a file or MQTT_URL (never its own command line) and writes the files.
  'mosquitto export': z.object({
    serverUser: z
      .string()
      .refine(isServerUser, 'expected at most 64 letters, digits, dots, dashes or underscores, and not a device id')
      .default(DEFAULT_SERVER_USER),
    serverPassword: storableString.min(1, 'the server user needs a password'),
  }),
  'demo code': z.object({ email: email.optional() }),
  // For tools that keep provisioned credentials (the simulators' ward file): which of them this database knows.
  'provisioning check': z.object({
    team: uuid('team').optional(),
    patients: z.array(uuid('patient')).max(10_000).default([]),
    devices: z.array(uuid('device')).max(100_000).default([]),
  }),
} as const;

export type OperatorCommand = keyof typeof operatorCommands;
export type OperatorArgs<C extends OperatorCommand> = z.infer<(typeof operatorCommands)[C]>;
export const OPERATOR_COMMANDS = Object.keys(operatorCommands) as OperatorCommand[];
