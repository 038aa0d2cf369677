import { z } from 'zod';
import { email, role, storableString, uuid } from './common.dto.js';

const password = storableString.min(1, 'must not be empty').max(1024, 'at most 1024 characters');
const mfaToken = storableString.min(16, 'expected the mfaToken from POST /api/auth/login').max(200);

export const loginBody = z.object({ email, password });
export type LoginBody = z.infer<typeof loginBody>;

export const loginResponse = z.object({
  mfaToken: z.string().describe('Send it with a one-time code to POST /api/auth/mfa within 5 minutes'),
  enrolmentRequired: z.boolean().describe('No TOTP yet: enrol through POST /api/auth/enrolment first'),
});

export const mfaBody = z.object({
  mfaToken,
  code: storableString.trim().min(6, 'expected a 6-digit code or a recovery code').max(64).describe('A 6-digit TOTP code or a recovery code'),
});
export type MfaBody = z.infer<typeof mfaBody>;

export const sessionResponse = z.object({
  accessToken: z.string().describe('Send as Authorization: Bearer <accessToken>; for socket.io as auth: {token}'),
  expiresIn: z.number().int().describe('Seconds until the access token expires; refresh before then'),
});

export const enrolmentBody = z.object({ mfaToken });
export type EnrolmentBody = z.infer<typeof enrolmentBody>;

export const enrolmentResponse = z.object({
  otpauthUri: z.string(),
  qrCode: z.string().describe('The otpauth URI as a PNG data URL'),
  secret: z.string().describe('Base32 secret for typing in by hand'),
});

const recoveryCodes = z.array(z.string()).describe('Ten single-use recovery codes, shown only now');
export const enrolmentConfirmResponse = sessionResponse.extend({ recoveryCodes });

export const recoveryCodesBody = z.object({
  code: storableString.trim().regex(/^\d{6}$/, 'expected the current 6-digit code'),
});
export type RecoveryCodesBody = z.infer<typeof recoveryCodesBody>;
export const recoveryCodesResponse = z.object({ recoveryCodes });

export const passwordBody = z.object({ currentPassword: password, newPassword: password });
export type PasswordBody = z.infer<typeof passwordBody>;

export const meResponse = z.object({
  id: uuid('user'),
  email: z.string(),
  name: z.string(),
  role,
  teams: z.array(z.object({ id: z.string(), name: z.string() })),
});
