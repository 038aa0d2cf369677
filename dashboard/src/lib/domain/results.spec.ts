import { describe, expect, it } from 'vitest';
import { alertsByKind, escalationBars, resultsCsv, type TeamResults } from './results.js';

const results: TeamResults = {
  teamId: 't1',
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  patientDays: 300,
  alerts: 9,
  perPatientDay: [
    { kind: 'fall', priority: 'high', count: 3, perPatientDay: 0.01 },
    { kind: 'news2', priority: 'medium', count: 4, perPatientDay: 4 / 300 },
    { kind: 'news2', priority: 'high', count: 2, perPatientDay: 2 / 300 },
  ],
  acknowledgedShare: 0.75,
  timeToAcknowledgeSeconds: { p50: 90, p90: 600 },
  escalationsByLevel: { '2': 1, '1': 3 },
  flapping: 1,
  patientsMonitored: 10,
  pointsReceived: 123456,
  deviceHoursOffline: 12.5,
  news2Peaks: { high: 1, medium: 2, lowMedium: 0, none: 7 },
};

describe('results', () => {
  it('sums alerts per patient-day over priorities, largest kind first', () => {
    expect(alertsByKind(results)).toEqual([
      { label: 'news2', value: 0.02 },
      { label: 'fall', value: 0.01 },
    ]);
  });

  it('orders escalations by level', () => {
    expect(escalationBars(results)).toEqual([
      { label: '1', value: 3 },
      { label: '2', value: 1 },
    ]);
  });

  it('exports every figure as CSV lines a spreadsheet can pivot, quoting a team name with a comma', () => {
    const lines = resultsCsv('Ward 3, north', results).trimEnd().split('\r\n');
    expect(lines[0]).toBe('figure,kind,priority,value');
    expect(lines).toEqual(
      expect.arrayContaining([
        'team,,,"Ward 3, north"',
        'from,,,2026-11-01T00:00:00.000Z',
        'patients_monitored,,,10',
        'points_received,,,123456',
        'alerts,,,9',
        'alerts,fall,high,3',
        'alerts,news2,medium,4',
        'acknowledged_share,,,0.75',
        'time_to_acknowledge_p90_seconds,,,600',
        'escalations_level_1,,,3',
        'device_hours_offline,,,12.5',
        'news2_peak_none,,,7',
      ]),
    );
  });
});
