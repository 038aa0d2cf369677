import type { AlertWire } from '$wire/live.dto';
import { api, type ApiError, apiError, requestJson } from '../api/client.js';
import type { Threshold } from '../domain/thresholds.js';

export interface PatientRecord {
  id: string;
  name: string;
  teamId: string;
  spo2Scale: number;
  latest: Record<string, { value: number; t: string }>;
  devices: Array<{ id: string; kind: string; online: boolean; battery: number | null; lastSeen: string | null }>;
  passive: PassiveWire[];
}

export interface PassiveWire {
  id: string;
  startsAt: string;
  endsAt: string | null;
  reason: string;
}

export interface HistoryPoint {
  t: string;
  min: number;
  max: number;
  avg: number;
  count: number;
}

export interface History {
  metric: string;
  resolution: 'raw' | '1m' | '1h';
  /** Width of each point's bucket; 0 for raw samples. */
  bucketSeconds?: number;
  points: HistoryPoint[];
}

/** The patient, or `notFound` for a missing patient and another team's alike (the server answers both with 404). */
export async function getPatient(id: string): Promise<{ patient: PatientRecord } | { notFound: true } | { error: ApiError }> {
  const { data, error, response } = await api.GET('/api/patients/{id}', { params: { path: { id } } });
  if (data) return { patient: data };
  if (response.status === 404 || response.status === 403 || response.status === 400) return { notFound: true };
  return { error: apiError(response, error) };
}

export function getHistory(patientId: string, metric: string, from: Date, to: Date, points: number) {
  const query = new URLSearchParams({ metric, from: from.toISOString(), to: to.toISOString(), points: String(points) });
  return requestJson<History>(`/api/patients/${encodeURIComponent(patientId)}/readings?${query}`);
}

export interface DeviceEvent {
  t: string;
  deviceId: string;
  type: string;
  data: Record<string, unknown>;
}

export function getEvents(patientId: string, from: Date, to: Date) {
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: '500' });
  return requestJson<{ events: DeviceEvent[] }>(`/api/patients/${encodeURIComponent(patientId)}/events?${query}`);
}

export function getAlerts(patientId: string) {
  return requestJson<{ alerts: AlertWire[] }>(`/api/alerts?${new URLSearchParams({ patientId })}`);
}

export function acknowledgeAlert(id: string) {
  return requestJson<AlertWire>(`/api/alerts/${encodeURIComponent(id)}/acknowledge`, { method: 'POST' });
}

export function resolveAlert(id: string, note: string) {
  const body = note.trim() ? { note: note.trim() } : {};
  return requestJson<AlertWire>(`/api/alerts/${encodeURIComponent(id)}/resolve`, { method: 'POST', body: JSON.stringify(body) });
}

export function commentOnAlert(id: string, body: string) {
  return requestJson<unknown>(`/api/alerts/${encodeURIComponent(id)}/comments`, { method: 'POST', body: JSON.stringify({ body }) });
}

export function getThresholds(patientId: string) {
  return requestJson<{ thresholds: Threshold[] }>(`/api/patients/${encodeURIComponent(patientId)}/thresholds`);
}

export function putThreshold(patientId: string, threshold: Threshold) {
  return requestJson<Threshold>(`/api/patients/${encodeURIComponent(patientId)}/thresholds`, { method: 'PUT', body: JSON.stringify(threshold) });
}

export interface News2Point {
  t: string;
  score: number;
  risk: 'low' | 'low-medium' | 'medium' | 'high';
  components: Record<string, number>;
  missing: string[];
}

export function getNews2(patientId: string, from: Date, to: Date) {
  return requestJson<{ points: News2Point[]; truncated: boolean }>(
    `/api/patients/${encodeURIComponent(patientId)}/news2?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`,
  );
}

export function startPassive(patientId: string, reason: string, endsAt?: Date) {
  const body = { reason, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) };
  return requestJson<PassiveWire>(`/api/patients/${encodeURIComponent(patientId)}/passive`, { method: 'POST', body: JSON.stringify(body) });
}

export function setSpo2Scale(patientId: string, spo2Scale: 1 | 2) {
  return requestJson<{ spo2Scale: number }>(`/api/patients/${encodeURIComponent(patientId)}/spo2-scale`, {
    method: 'PUT',
    body: JSON.stringify({ spo2Scale }),
  });
}

export function endPassive(patientId: string, intervalId: string) {
  return requestJson<PassiveWire>(`/api/patients/${encodeURIComponent(patientId)}/passive/${encodeURIComponent(intervalId)}/end`, { method: 'POST' });
}

/** At most this many Observations in one export: a longer range is refused, with what to do. */
export const FHIR_EXPORT_MAX = 20_000;
const FHIR_PAGE = 1000;

interface SearchBundle {
  resourceType: 'Bundle';
  type: 'searchset';
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: unknown[];
}

/**
 * The patient's Observations in [from, to] (what the charts show) as one FHIR R4 searchset
 * Bundle, downloaded with the user's token: every page of the search, followed by its `next`
 * links, so the file holds the whole range. A range of more than FHIR_EXPORT_MAX is refused
 * before anything is fetched beyond the first page (`tooMany` names the count).
 */
export async function downloadFhir(patientId: string, from: Date, to: Date): Promise<{ error?: ApiError; tooMany?: number }> {
  const query = new URLSearchParams([
    ['patient', patientId],
    ['date', `ge${from.toISOString()}`],
    ['date', `le${to.toISOString()}`],
    ['_count', String(FHIR_PAGE)],
  ]);
  let path: string | undefined = `/fhir/r4/Observation?${query}`;
  let first: SearchBundle | undefined;
  const entry: unknown[] = [];
  while (path) {
    const { data, error }: { data?: SearchBundle; error?: ApiError } = await requestJson<SearchBundle>(path);
    if (error || !data) return { error };
    if (!first && (data.total ?? 0) > FHIR_EXPORT_MAX) return { tooMany: data.total };
    first ??= data;
    entry.push(...(data.entry ?? []));
    const next: string | undefined = data.link?.find((l) => l.relation === 'next')?.url;
    path = next ? next.slice(next.indexOf('/fhir/r4')) : undefined;
  }
  const bundle = { ...first!, link: first!.link?.filter((l) => l.relation === 'self'), entry };
  const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' }));
  const anchor = Object.assign(document.createElement('a'), { href: url, download: `patient-${patientId}-observations.json` });
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return {};
}
