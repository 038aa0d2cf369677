import { z } from 'zod';
import { DEVICE_KIND_CODES } from '../domain/device-kinds.js';
import { DEFAULT_SERVER_USER, isServerUser } from '../domain/mosquitto-files.js';
import { ROLES } from '../repositories/user.repository.js';

/** The operator contract's commands (DESIGN.md), one schema each; the CLI and the control endpoint share them. */
const uuid = (what: string) => z.uuid(`expected a ${what} id (a UUID)`);
const name = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');

export const operatorCommands = {
  migrate: z.object({}),
  'team create': z.object({ name }),
  'user create': z.object({
    email: z.email('expected an e-mail address').max(254),
    name,
    role: z.enum(ROLES as [string, ...string[]], { error: `expected one of ${ROLES.join(', ')}` }),
    team: uuid('team').optional(),
    password: z.string().optional(),
  }),
  'patient create': z.object({
    name,
    team: uuid('team'),
    spo2Scale: z.coerce
      .number()
      .pipe(z.union([z.literal(1), z.literal(2)], { error: 'expected 1 or 2' }))
      .default(1),
  }),
  'device create': z.object({
    patient: uuid('patient'),
    kind: z.enum(DEVICE_KIND_CODES, { error: `expected one of ${DEVICE_KIND_CODES.join(', ')}` }),
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
    serverPassword: z.string().min(1, 'the server user needs a password'),
  }),
  'demo code': z.object({ email: z.email('expected an e-mail address').max(254).optional() }),
} as const;

export type OperatorCommand = keyof typeof operatorCommands;
export type OperatorArgs<C extends OperatorCommand> = z.infer<(typeof operatorCommands)[C]>;
export const OPERATOR_COMMANDS = Object.keys(operatorCommands) as OperatorCommand[];
