import { z } from 'zod';
import { DEVICE_KIND_CODES } from '../domain/device-kinds.js';
import { ROLES } from '../domain/roles.js';
import { isStorableText } from '../domain/text.js';

/** Schemas shared by the HTTP DTOs and the operator commands. */

/**
 * The base of every string people send that may reach the database (bodies, query strings,
 * CLI options): PostgreSQL cannot store U+0000 or a lone surrogate (domain/text.ts), so they
 * are a 400 naming the field here instead of a failed INSERT (a 500) later.
 */
export const storableString = z.string().refine(isStorableText, 'must not contain NUL (U+0000) or unpaired surrogate characters');
export const uuid = (what: string) => z.uuid(`expected a ${what} id (a UUID)`);
export const displayName = storableString.trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
export const email = z.email('expected an e-mail address').max(254);
export const role = z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` });
export const deviceKind = z.enum(DEVICE_KIND_CODES, { error: `expected one of ${DEVICE_KIND_CODES.join(', ')}` });
export const spo2Scale = z.union([z.literal(1), z.literal(2)], { error: 'expected 1 or 2 (NEWS2 SpO2 scale)' });
/** A timestamp in a query string: ISO 8601 with an offset. */
export const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time like 2026-11-30T08:00:00Z' }).transform((t) => new Date(t));

/**
 * A JSON object as stored (an event's `data`, an audit entry's `details`), passed through as it
 * is: z.record would copy it by assignment, which drops a key "__proto__" that an event stored
 * before ingest refused such keys may hold (docs/protocol.md).
 */
export const jsonObject = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected a JSON object')
  .meta({ type: 'object', additionalProperties: {} });
