import type { operations } from '../api/schema.js';

/** The alert-statistics answer the results screen shows (GET /api/teams/{id}/alert-stats). */
export type TeamResults = operations['AlertController_alertStats']['responses'][200]['content']['application/json'];

export interface Bar {
  label: string;
  value: number;
}

/** The periods offered, in days back from now. */
export const RESULT_PERIODS = [7, 30, 90] as const;

/** Alerts per patient-day summed over priorities, by kind, largest first. */
export function alertsByKind(results: Pick<TeamResults, 'perPatientDay'>): Bar[] {
  const byKind = new Map<string, number>();
  for (const row of results.perPatientDay) byKind.set(row.kind, (byKind.get(row.kind) ?? 0) + row.perPatientDay);
  return [...byKind].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value);
}

/** Escalations by the level they reached, in level order. */
export function escalationBars(results: Pick<TeamResults, 'escalationsByLevel'>): Bar[] {
  return Object.entries(results.escalationsByLevel)
    .map(([level, value]) => ({ label: level, value }))
    .sort((a, b) => Number(a.label) - Number(b.label));
}

const csvCell = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * The figures as CSV (RFC 4180): one line per figure, `figure,kind,priority,value`, so a
 * spreadsheet can pivot them. Values are plain numbers (no locale), times in ISO 8601.
 */
export function resultsCsv(teamName: string, results: TeamResults): string {
  const lines: Array<Array<string | number | null>> = [
    ['figure', 'kind', 'priority', 'value'],
    ['team', null, null, teamName],
    ['from', null, null, new Date(results.from).toISOString()],
    ['to', null, null, new Date(results.to).toISOString()],
    ['patients_monitored', null, null, results.patientsMonitored],
    ['points_received', null, null, results.pointsReceived],
    ['patient_days', null, null, results.patientDays],
    ['alerts', null, null, results.alerts],
    ...results.perPatientDay.map((r) => ['alerts', r.kind, r.priority, r.count]),
    ...results.perPatientDay.map((r) => ['alerts_per_patient_day', r.kind, r.priority, r.perPatientDay]),
    ['acknowledged_share', null, null, results.acknowledgedShare],
    ['time_to_acknowledge_p50_seconds', null, null, results.timeToAcknowledgeSeconds.p50],
    ['time_to_acknowledge_p90_seconds', null, null, results.timeToAcknowledgeSeconds.p90],
    ...escalationBars(results).map((b) => [`escalations_level_${b.label}`, null, null, b.value]),
    ['flapping_alerts', null, null, results.flapping],
    ['device_hours_offline', null, null, results.deviceHoursOffline],
    ['news2_peak_high', null, null, results.news2Peaks.high],
    ['news2_peak_medium', null, null, results.news2Peaks.medium],
    ['news2_peak_low_medium', null, null, results.news2Peaks.lowMedium],
    ['news2_peak_none', null, null, results.news2Peaks.none],
  ];
  return lines.map((line) => line.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
