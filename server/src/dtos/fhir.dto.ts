import { z } from 'zod';

/**
 * The query of `GET /fhir/r4/Observation`: the parameters Vigil supports, and no others
 * (strict: an unknown one is a 400 OperationOutcome, not silently ignored). Values are parsed
 * by the FHIR search rules in domain/fhir.ts.
 */
export const observationSearchQuery = z
  .object({
    patient: z.string({ error: 'required: Patient/<id> or <id>' }),
    code: z.string().optional(),
    date: z.union([z.string(), z.array(z.string())]).optional(),
    _count: z.string().optional(),
    _cursor: z.string().optional(),
  })
  .strict();
export type ObservationSearchQuery = z.infer<typeof observationSearchQuery>;

/** A FHIR resource id (hl7.org/fhir/R4/datatypes.html#id): 1 to 64 of A–Z, a–z, 0–9, '-' and '.'. */
export const fhirId = z.string().regex(/^[A-Za-z0-9.-]{1,64}$/, 'expected a FHIR id: 1 to 64 letters, digits, - or .');
