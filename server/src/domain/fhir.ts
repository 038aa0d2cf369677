import type {
  Bundle,
  BundleEntry,
  CapabilityStatement,
  Coding,
  Observation,
  ObservationComponent,
  OperationOutcome,
  Patient,
  Quantity,
} from '@medplum/fhirtypes';
import { InvalidInputError } from './errors.js';
import { METRICS, type MetricCode } from './metric-catalogue.js';

/**
 * FHIR R4 (v4.0.1) resources built from Vigil's data: pure functions, types from
 * @medplum/fhirtypes. Sources:
 * - Observation and the vital signs profile: hl7.org/fhir/R4/observation.html,
 *   hl7.org/fhir/R4/observation-vitalsigns.html (category `vital-signs` from
 *   terminology.hl7.org/CodeSystem/observation-category; LOINC code; UCUM valueQuantity;
 *   blood pressure as the panel 85354-9 with components 8480-6 and 8462-4, no top-level value;
 *   SpO2 carries 2708-6 beside 59408-5: see metric-catalogue.ts);
 * - search and paging: hl7.org/fhir/R4/search.html (searchset Bundle, `total`, `self` and
 *   `next` links, date prefixes ge/gt/le/lt, `_count`; an unknown parameter is an error when
 *   the server is strict, which Vigil always is) and hl7.org/fhir/R4/bundle.html;
 * - errors: hl7.org/fhir/R4/operationoutcome.html and http.html (400 invalid search, 401,
 *   404 unknown resource, with an OperationOutcome body).
 */

export const FHIR_VERSION = '4.0.1';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const BP_PANEL = '85354-9';

/** An Observation's group: one metric, or `bp` for the systolic/diastolic pair of one measurement. */
export type ObservationGroup = MetricCode | 'bp';

/** Metrics FHIR can express: the ones with a LOINC code (o2 and acvpu are NEWS2 flags without one). */
export const FHIR_METRICS = (Object.keys(METRICS) as MetricCode[]).filter((code) => METRICS[code].loinc !== null);

/** One stored measurement: the values of its group (one metric, or sbp and dbp) at one time from one device. */
export interface Measurement {
  time: number;
  deviceId: string;
  group: ObservationGroup;
  values: Partial<Record<MetricCode, number>>;
}

export const groupOf = (metric: MetricCode): ObservationGroup => (METRICS[metric].panel === BP_PANEL ? 'bp' : metric);

/** The metrics of an Observation group, in catalogue order: its inverse. */
export const metricsOfGroup = (group: ObservationGroup): MetricCode[] => FHIR_METRICS.filter((metric) => groupOf(metric) === group);

/** Observation ids name the measurement: `<device>.<group>.<epoch ms>` (FHIR ids: [A-Za-z0-9.-]{1,64}). */
export const observationId = (m: Pick<Measurement, 'deviceId' | 'group' | 'time'>) => `${m.deviceId}.${m.group}.${m.time}`;

export function parseObservationId(id: string): Pick<Measurement, 'deviceId' | 'group' | 'time'> | undefined {
  const match = /^([0-9a-f-]{36})\.([a-z0-9]+)\.(\d{1,15})$/.exec(id);
  if (!match) return undefined;
  const group = match[2] as ObservationGroup;
  if (group !== 'bp' && !(FHIR_METRICS as string[]).includes(group)) return undefined;
  return { deviceId: match[1], group, time: Number(match[3]) };
}

const loincCodings = (metric: MetricCode): Coding[] =>
  // The R4 oxygensat profile wants 2708-6 first-class; the catalogue lists the precise code first.
  (METRICS[metric].loinc ?? []).map((code) => ({ system: LOINC, code, display: METRICS[metric].meaning }));

const quantity = (metric: MetricCode, value: number): Quantity => ({ value, unit: METRICS[metric].unit, system: UCUM, code: METRICS[metric].unit });

export function observation(m: Measurement, patientId: string): Observation {
  const category = m.group === 'glucose' ? 'laboratory' : 'vital-signs'; // glucose is not a FHIR vital sign
  const base: Observation = {
    resourceType: 'Observation',
    id: observationId(m),
    status: 'final',
    category: [{ coding: [{ system: CATEGORY, code: category, display: category === 'laboratory' ? 'Laboratory' : 'Vital Signs' }] }],
    code: { coding: [] },
    subject: { reference: `Patient/${patientId}` },
    device: { reference: `Device/${m.deviceId}` },
    effectiveDateTime: new Date(m.time).toISOString(),
  };
  if (m.group === 'bp') {
    const component: ObservationComponent[] = (['sbp', 'dbp'] as const)
      .filter((metric) => m.values[metric] !== undefined)
      .map((metric) => ({ code: { coding: loincCodings(metric), text: METRICS[metric].meaning }, valueQuantity: quantity(metric, m.values[metric]!) }));
    return {
      ...base,
      code: { coding: [{ system: LOINC, code: BP_PANEL, display: 'Blood pressure panel with all children optional' }], text: 'blood pressure' },
      component,
    };
  }
  const metric = m.group;
  return { ...base, code: { coding: loincCodings(metric), text: METRICS[metric].meaning }, valueQuantity: quantity(metric, m.values[metric]!) };
}

export function patientResource(patient: { id: string; name: string }): Patient {
  return { resourceType: 'Patient', id: patient.id, active: true, name: [{ text: patient.name }] };
}

/** `expression` names the offending parameters or elements (for a 400). */
export function operationOutcome(
  code: 'invalid' | 'not-found' | 'login' | 'forbidden' | 'exception' | 'not-supported',
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics, ...(expression?.length ? { expression } : {}) }] };
}

// ---- search ----

export interface ObservationSearch {
  patientId: string;
  metrics: MetricCode[];
  /** Inclusive bounds in epoch ms. */
  from: number;
  to: number;
  count: number;
  after?: Pick<Measurement, 'deviceId' | 'group' | 'time'>;
  /** The total counted when the search's first page ran, carried by its next links. */
  total?: number;
}

/**
 * A next link's `_cursor`: the page's last Observation (the keyset to go on after), the total
 * counted for the first page, and the instant the first page ran. Later pages search up to that
 * instant, so the pages and the total describe one set of Observations, and a page costs what
 * its own rows cost, not a count of the whole range (hl7.org/fhir/R4/search.html#total leaves
 * how `total` is kept to the server).
 */
export interface SearchCursor {
  after: Pick<Measurement, 'deviceId' | 'group' | 'time'>;
  total: number;
  asOf: number;
}

export const searchCursor = (cursor: SearchCursor) => `${observationId(cursor.after)}.${cursor.total}.${cursor.asOf}`;

export function parseSearchCursor(text: string): SearchCursor | undefined {
  const match = /^(.+)\.(\d{1,12})\.(\d{1,15})$/.exec(text);
  const after = match ? parseObservationId(match[1]) : undefined;
  return match && after ? { after, total: Number(match[2]), asOf: Number(match[3]) } : undefined;
}

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;

/** The raw query parameters (already checked for unknown names) as a search; InvalidInputError names the bad one. */
export function parseObservationSearch(
  query: {
    patient: string;
    code?: string;
    date?: string | string[];
    _count?: string;
    _cursor?: string;
  },
  now: number,
): ObservationSearch {
  const patientId = query.patient.replace(/^Patient\//, '');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(patientId)) {
    throw new InvalidInputError('patient: expected a Patient id (a UUID) or Patient/<id>', [{ field: 'patient', message: 'expected a Patient id' }]);
  }
  const metrics = query.code === undefined ? FHIR_METRICS : [...new Set(query.code.split(',').flatMap(metricsOfCode))];
  let from = Date.UTC(1900, 0, 1); // bounds both PostgreSQL and JavaScript can hold
  let to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  for (const value of [query.date ?? []].flat()) {
    const match = /^(ge|gt|le|lt)(.+)$/.exec(value);
    const bounds = match ? instantRange(match[2]) : undefined;
    if (!match || !bounds) {
      throw new InvalidInputError(`date: expected ge, gt, le or lt and a date (2026-11-30) or an instant with offset, got ${JSON.stringify(value)}`, [
        { field: 'date', message: 'bad date' },
      ]);
    }
    if (match[1] === 'ge') from = Math.max(from, bounds[0]);
    if (match[1] === 'gt') from = Math.max(from, bounds[1] + 1);
    if (match[1] === 'le') to = Math.min(to, bounds[1]);
    if (match[1] === 'lt') to = Math.min(to, bounds[0] - 1);
  }
  const count = query._count === undefined ? DEFAULT_COUNT : Number(query._count);
  if (!/^\d+$/.test(query._count ?? '1') || count < 1 || count > MAX_COUNT) {
    throw new InvalidInputError(`_count: expected a whole number from 1 to ${MAX_COUNT}`, [{ field: '_count', message: 'bad count' }]);
  }
  const cursor = query._cursor === undefined ? undefined : parseSearchCursor(query._cursor);
  if (query._cursor !== undefined && !cursor)
    throw new InvalidInputError('_cursor: not a cursor this server gave', [{ field: '_cursor', message: 'bad cursor' }]);
  return { patientId, metrics, from, to: Math.min(to, cursor?.asOf ?? now), count, after: cursor?.after, total: cursor?.total };
}

/** `8867-4`, `http://loinc.org|8867-4` or the panel 85354-9 → the metrics it selects. */
function metricsOfCode(token: string): MetricCode[] {
  const [system, code] = token.includes('|') ? token.split('|', 2) : [undefined, token];
  if (system !== undefined && system !== '' && system !== LOINC)
    throw new InvalidInputError(`code: only LOINC codes are known here, got ${JSON.stringify(token)}`, [{ field: 'code', message: 'unknown system' }]);
  if (code === BP_PANEL) return metricsOfGroup('bp');
  const metrics = FHIR_METRICS.filter((metric) => (METRICS[metric].loinc as readonly string[]).includes(code));
  if (metrics.length === 0)
    throw new InvalidInputError(`code: ${JSON.stringify(code)} is none of the LOINC codes Vigil stores`, [{ field: 'code', message: 'unknown code' }]);
  return metrics;
}

/** The first and last millisecond a FHIR date (YYYY-MM-DD, UTC) or instant with offset covers. */
function instantRange(value: string): [number, number] | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(start) ? undefined : [start, start + 86_400_000 - 1];
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : [t, t];
}

export function searchBundle(args: {
  entries: Array<{ resource: Observation }>;
  total: number;
  selfUrl: string;
  nextUrl?: string;
  base: string;
}): Bundle<Observation> {
  const entry: BundleEntry<Observation>[] = args.entries.map(({ resource }) => ({
    fullUrl: `${args.base}/Observation/${resource.id}`,
    resource,
    search: { mode: 'match' },
  }));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: args.total,
    link: [{ relation: 'self', url: args.selfUrl }, ...(args.nextUrl ? [{ relation: 'next', url: args.nextUrl }] : [])],
    entry,
  };
}

export function capabilityStatement(base: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-01',
    kind: 'instance',
    fhirVersion: FHIR_VERSION,
    format: ['application/fhir+json', 'json'],
    implementation: { description: 'Vigil home monitoring: patients and their vital signs', url: base },
    rest: [
      {
        mode: 'server',
        security: { description: 'Authorization: Bearer <access token> (as the REST API); only patients of the caller’s care teams' },
        resource: [
          { type: 'Patient', interaction: [{ code: 'read' }] },
          {
            type: 'Observation',
            supportedProfile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'],
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: 'patient', type: 'reference', documentation: 'Required: Patient/<id> or <id>' },
              { name: 'code', type: 'token', documentation: 'LOINC codes, comma-separated (85354-9 for blood pressure)' },
              { name: 'date', type: 'date', documentation: 'With ge, gt, le or lt; repeat for a range' },
              { name: '_count', type: 'number', documentation: `Page size, 1 to ${MAX_COUNT} (default ${DEFAULT_COUNT}); pages follow the next link` },
            ],
          },
        ],
      },
    ],
  };
}
