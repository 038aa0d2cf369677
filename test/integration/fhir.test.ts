import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Bundle, CapabilityStatement, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { ReadingRepository } from '../../server/src/repositories/reading.repository.js';
import { ApiClient, createUser, startSecurityPlatform } from '../support/auth.js';
import { fhirSchemaErrors, loadFhirValidator } from '../support/fhir-validator.js';
import { createPatient, createTeam, sql, type TestPlatform } from '../support/platform.js';

/** FHIR R4 over HTTP on the real PostgreSQL; every resource received is checked against the official R4 JSON schema. */
describe('FHIR R4 at /fhir/r4', () => {
  let platform: TestPlatform;
  let api: ApiClient;
  let token: string;
  let userId: string;
  let mine: string;
  let theirs: string;
  const OXIMETER = '00000000-0000-4000-8000-0000000000f1';
  const CUFF = '00000000-0000-4000-8000-0000000000f2';
  const T0 = Date.UTC(2026, 10, 29, 6, 0, 0);
  const got = <T>(path: string) => api.get<T>(path, token);
  const valid = (resource: unknown) => expect(fhirSchemaErrors(resource)).toEqual([]);

  beforeAll(async () => {
    loadFhirValidator();
    platform = await startSecurityPlatform();
    const [teamA, teamB] = [await createTeam(platform), await createTeam(platform)];
    [mine, theirs] = [await createPatient(platform, teamA, 'Karen Jensen'), await createPatient(platform, teamB)];
    const user = await createUser(platform, 'clinician', teamA);
    userId = user.id;
    api = new ApiClient(platform.baseUrl);
    token = (await api.signIn(user)).accessToken;
    const rows = [];
    for (let i = 0; i < 25; i++) {
      const time = new Date(T0 + i * 60_000);
      rows.push({ time, patientId: mine, deviceId: OXIMETER, metric: 'hr', value: 70 + i });
      rows.push({ time, patientId: mine, deviceId: OXIMETER, metric: 'spo2', value: 95 });
      rows.push({ time, patientId: mine, deviceId: OXIMETER, metric: 'o2', value: 0 }); // no LOINC: not exported
      if (i % 5 === 0) {
        rows.push({ time, patientId: mine, deviceId: CUFF, metric: 'sbp', value: 120 + i });
        rows.push({ time, patientId: mine, deviceId: CUFF, metric: 'dbp', value: 80 });
      }
    }
    rows.push({ time: new Date(T0), patientId: theirs, deviceId: '00000000-0000-4000-8000-0000000000f3', metric: 'hr', value: 99 });
    await platform.app.get(ReadingRepository).insertNew(rows);
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
  });

  it('the validator refuses what is not FHIR (so a pass below means something)', () => {
    expect(fhirSchemaErrors({ resourceType: 'Observation', status: 'done', code: {} })).not.toEqual([]);
    expect(fhirSchemaErrors({ resourceType: 'Patient', id: 'p1', colour: 'red' })).not.toEqual([]);
    expect(fhirSchemaErrors({ resourceType: 'Patient', id: 'p1' })).toEqual([]);
  });

  it('serves a CapabilityStatement listing Patient read and Observation read and search', async () => {
    const response = await got<CapabilityStatement>('/fhir/r4/metadata');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    valid(response.body);
    expect(response.body.fhirVersion).toBe('4.0.1');
    const resources = response.body.rest![0].resource!;
    expect(resources.map((r) => r.type)).toEqual(['Patient', 'Observation']);
    expect(resources[1].searchParam!.map((p) => p.name)).toEqual(['patient', 'code', 'date', '_count']);
  });

  it('reads a Patient', async () => {
    const response = await got<Patient>(`/fhir/r4/Patient/${mine}`);
    expect(response.status).toBe(200);
    valid(response.body);
    expect(response.body).toMatchObject({ resourceType: 'Patient', id: mine, name: [{ text: 'Karen Jensen' }] });
  });

  it('pages through every Observation exactly once, with total and next links, blood pressure as a panel', async () => {
    const seen: Observation[] = [];
    let next: string | undefined =
      `/fhir/r4/Observation?patient=Patient/${mine}&date=ge${new Date(T0).toISOString()}&date=le${new Date(T0 + 24 * 60_000).toISOString()}&_count=7`;
    let pages = 0;
    while (next) {
      const page: { status: number; body: Bundle<Observation> } = await got<Bundle<Observation>>(next);
      expect(page.status).toBe(200);
      valid(page.body);
      expect(page.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 55 });
      for (const entry of page.body.entry ?? []) seen.push(entry.resource!);
      const link = page.body.link?.find((l) => l.relation === 'next')?.url;
      next = link ? link.slice(link.indexOf('/fhir/r4')) : undefined;
      pages++;
    }
    expect(pages).toBe(Math.ceil(55 / 7));
    expect(seen).toHaveLength(55); // 25 pulse + 25 SpO2 + 5 blood pressure panels; o2 has no LOINC code
    expect(new Set(seen.map((o) => o.id)).size).toBe(55);
    for (const o of seen) {
      expect(o.category![0].coding![0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' });
      expect(o.subject).toEqual({ reference: `Patient/${mine}` });
      expect(o.device?.reference).toMatch(/^Device\//);
      expect(o.effectiveDateTime).toMatch(/^2026-11-29T/);
    }
    const bp = seen.filter((o) => o.code.coding![0].code === '85354-9');
    expect(bp).toHaveLength(5);
    expect(bp[0].valueQuantity).toBeUndefined();
    expect(bp[0].component!.map((c) => [c.code.coding![0].code, c.valueQuantity])).toEqual([
      ['8480-6', { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }],
      ['8462-4', { value: 80, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }],
    ]);
    const spo2 = seen.find((o) => o.code.coding!.some((c) => c.code === '2708-6'))!;
    expect(spo2.code.coding!.map((c) => c.code)).toEqual(['59408-5', '2708-6']);
    expect(spo2.valueQuantity).toEqual({ value: 95, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    const hr = seen.filter((o) => o.code.coding![0].code === '8867-4').map((o) => o.valueQuantity!.value);
    expect(hr).toEqual(Array.from({ length: 25 }, (_, i) => 70 + i));

    const one = await got<Observation>(`/fhir/r4/Observation/${bp[1].id}`);
    expect(one.status).toBe(200);
    valid(one.body);
    expect(one.body).toEqual(bp[1]);
  });

  it('filters by code and date', async () => {
    const response = await got<Bundle<Observation>>(
      `/fhir/r4/Observation?patient=${mine}&code=http://loinc.org|85354-9,8867-4&date=gt${new Date(T0 + 10 * 60_000).toISOString()}&date=lt${new Date(T0 + 20 * 60_000).toISOString()}`,
    );
    valid(response.body);
    expect(response.body.total).toBe(9 + 1); // pulse at minutes 11–19, blood pressure at 15
  });

  it('pages the set the first page counted: a reading stored meanwhile waits for a new search', async () => {
    const first = await got<Bundle<Observation>>(`/fhir/r4/Observation?patient=${mine}&code=8867-4&_count=10`);
    expect(first.body.total).toBe(25);
    const later = { time: new Date(Date.now() + 1), patientId: mine, deviceId: OXIMETER, metric: 'hr', value: 111 };
    await platform.app.get(ReadingRepository).insertNew([later]);
    const values: number[] = first.body.entry!.map((e) => e.resource!.valueQuantity!.value!);
    let link = first.body.link?.find((l) => l.relation === 'next')?.url;
    while (link) {
      const page: { body: Bundle<Observation> } = await got<Bundle<Observation>>(link.slice(link.indexOf('/fhir/r4')));
      valid(page.body);
      expect(page.body.total).toBe(25);
      values.push(...page.body.entry!.map((e) => e.resource!.valueQuantity!.value!));
      link = page.body.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => 70 + i));
    const fresh = await got<Bundle<Observation>>(`/fhir/r4/Observation?patient=${mine}&code=8867-4&_count=100`);
    expect(fresh.body.total).toBe(26);
    expect(fresh.body.entry!.at(-1)!.resource!.valueQuantity!.value).toBe(111);
  });

  it('refuses a cursor it did not give', async () => {
    const response = await got<OperationOutcome>(`/fhir/r4/Observation?patient=${mine}&_cursor=${OXIMETER}.hr.${T0}`);
    expect(response.status).toBe(400);
    valid(response.body);
  });

  it.each([
    ['an unknown parameter', `/fhir/r4/Observation?patient=PATIENT&colour=red`, 400, 'invalid'],
    ['a bad date', `/fhir/r4/Observation?patient=PATIENT&date=yesterday`, 400, 'invalid'],
    ['a bad _count', `/fhir/r4/Observation?patient=PATIENT&_count=0`, 400, 'invalid'],
    ['an unknown code', `/fhir/r4/Observation?patient=PATIENT&code=1234-5`, 400, 'invalid'],
    ['no patient', `/fhir/r4/Observation?code=8867-4`, 400, 'invalid'],
    ['another team’s patient (search)', `/fhir/r4/Observation?patient=THEIRS`, 404, 'not-found'],
    ['another team’s patient (read)', `/fhir/r4/Patient/THEIRS`, 404, 'not-found'],
    ['a missing patient', `/fhir/r4/Patient/00000000-0000-4000-8000-000000000000`, 404, 'not-found'],
    ['a missing observation', `/fhir/r4/Observation/nope`, 404, 'not-found'],
  ])('%s is an OperationOutcome', async (_, path, status, code) => {
    const response = await got<OperationOutcome>(path.replace('PATIENT', mine).replace('THEIRS', theirs));
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    valid(response.body);
    expect(response.body.issue[0]).toMatchObject({ severity: 'error', code });
  });

  it('needs a token (401 OperationOutcome) and audits reads', async () => {
    const response = await api.get<OperationOutcome>(`/fhir/r4/Patient/${mine}`);
    expect(response.status).toBe(401);
    valid(response.body);
    expect(response.body.issue[0].code).toBe('login');
    const actions = await sql<{ action: string }>(platform, 'SELECT DISTINCT action FROM audit_log WHERE actor_id = $1 AND patient_id = $2', [userId, mine]);
    expect(actions.map((a) => a.action).sort()).toEqual(['fhir.observation', 'fhir.patient', 'fhir.search']);
  });
});
