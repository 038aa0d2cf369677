import { z } from 'zod';
import { deviceKind, displayName, email, role, spo2Scale, storableString, uuid } from './common.dto.js';

const atLeastOne = (value: object) => Object.values(value).some((v) => v !== undefined);
const NOTHING_TO_CHANGE = { error: 'name at least one field to change' };

// ---- Teams ----
export const teamSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.date() });
export const teamBody = z.object({ name: displayName });
export type TeamBody = z.infer<typeof teamBody>;
export const memberBody = z.object({ userId: uuid('user') });
export type MemberBody = z.infer<typeof memberBody>;

// ---- Users ----
export const userAccountSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  createdAt: z.date(),
  disabled: z.boolean(),
  enrolled: z.boolean().describe('Has two-factor sign-in set up; otherwise enrols at the next sign-in'),
  lockedUntil: z.date().nullable(),
  teamIds: z.array(z.string()),
});
export const createUserBody = z.object({
  email,
  name: displayName,
  role,
  teamId: uuid('team').optional(),
  password: storableString.max(1024).optional().describe('Initial password; one is generated and returned when omitted'),
});
export type CreateUserBody = z.infer<typeof createUserBody>;
export const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role, createdAt: z.date() });
export const createdUserResponse = z.object({
  user: userSchema,
  generatedPassword: z.string().optional().describe('Only when no password was given: hand it to the user, it is not shown again'),
});
export const updateUserBody = z
  .object({ name: displayName.optional(), role: role.optional(), disabled: z.boolean().optional() })
  .refine(atLeastOne, NOTHING_TO_CHANGE);
export type UpdateUserBody = z.infer<typeof updateUserBody>;

// ---- Patients ----
export const adminPatientSchema = z.object({ id: z.string(), name: z.string(), teamId: z.string(), spo2Scale: z.number().int(), createdAt: z.date() });
export const patientListQuery = z.object({ teamId: uuid('team').optional() });
export type PatientListQuery = z.infer<typeof patientListQuery>;
export const createPatientBody = z.object({ name: displayName, teamId: uuid('team'), spo2Scale: spo2Scale.optional().default(1) });
export type CreatePatientBody = z.infer<typeof createPatientBody>;
export const updatePatientBody = z
  .object({ name: displayName.optional(), teamId: uuid('team').optional(), spo2Scale: spo2Scale.optional() })
  .refine(atLeastOne, NOTHING_TO_CHANGE);
export type UpdatePatientBody = z.infer<typeof updatePatientBody>;

// ---- Devices ----
export const deviceSchema = z.object({
  id: z.string(),
  patientId: z.string().nullable(),
  kind: z.string(),
  revokedAt: z.date().nullable(),
  online: z.boolean(),
  battery: z.number().nullable(),
  lastSeen: z.date().nullable(),
  createdAt: z.date(),
});
export const deviceListQuery = z.object({ patientId: uuid('patient').optional() });
export type DeviceListQuery = z.infer<typeof deviceListQuery>;
export const createDeviceBody = z.object({
  patientId: uuid('patient'),
  kind: deviceKind,
});
export type CreateDeviceBody = z.infer<typeof createDeviceBody>;
export const deviceSecretResponse = z.object({
  device: deviceSchema,
  secret: z.string().describe('The MQTT password (username: the device id); shown only now, stored hashed'),
  qrCode: z.string().describe('The same credentials for the installer, {"username","password"} as JSON in a QR code (PNG data URL); only now'),
});
export const relinkBody = z.object({ patientId: uuid('patient') });
export type RelinkBody = z.infer<typeof relinkBody>;
