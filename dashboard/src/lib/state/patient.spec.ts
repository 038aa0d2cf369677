import { describe, expect, it } from 'vitest';
import { fallAlert as alert } from '../../test/alerts.js';
import { PatientState } from './patient.svelte.js';

describe('PatientState alerts', () => {
  it('keeps a live alert that arrives while the alerts are being fetched', () => {
    const view = new PatientState();
    view.beginAlertsLoad();
    view.upsertAlert(alert('fall')); // pushed live, during the fetch
    view.upsertAlert(alert('old', { state: 'acknowledged' }));
    view.finishAlertsLoad([alert('old')]); // the fetch started before both changes
    expect(view.alerts.map((a) => [a.id, a.state])).toEqual([
      ['fall', 'open'],
      ['old', 'acknowledged'],
    ]);
  });

  it('takes the fetched list as it is when nothing arrived meanwhile, and stops collecting after', () => {
    const view = new PatientState();
    view.beginAlertsLoad();
    view.finishAlertsLoad([alert('a'), alert('b')]);
    view.upsertAlert(alert('a', { state: 'resolved' }));
    view.beginAlertsLoad();
    view.finishAlertsLoad([alert('b')]);
    expect(view.alerts.map((a) => a.id)).toEqual(['b']);
  });
});

describe('PatientState history', () => {
  const now = Date.parse('2026-12-02T10:00:00Z') / 1000;
  const at = (secondsAgo: number) => new Date((now - secondsAgo) * 1000).toISOString();
  const point = (secondsAgo: number, value: number) => ({ t: at(secondsAgo), min: value, max: value, avg: value, count: 1 });
  const hr = (view: PatientState) => view.series.hr.columns;

  it('keeps a live sample that arrives while the history is being fetched and is missing from the answer', () => {
    const view = new PatientState();
    view.range = '15m';
    view.beginHistoryLoad();
    view.addSamples([{ t: at(2), m: { hr: 131 } }], now); // committed after the history query ran
    view.finishHistoryLoad([{ metric: 'hr', points: [point(60, 70), point(30, 72)], resolution: 'raw', bucketSeconds: 0 }], now);
    expect(hr(view)[0]).toEqual([now - 60, now - 30, now - 2]);
    expect(hr(view)[1]).toEqual([70, 72, 131]);
  });

  it('does not count twice a live sample the answer already holds, and stops holding after the load', () => {
    const view = new PatientState();
    view.range = '15m';
    view.beginHistoryLoad();
    view.addSamples([{ t: at(30), m: { hr: 72 } }], now);
    view.finishHistoryLoad([{ metric: 'hr', points: [point(60, 70), point(30, 72)], resolution: 'raw', bucketSeconds: 0 }], now);
    expect(hr(view)[1]).toEqual([70, 72]);
    view.addSamples([{ t: at(10), m: { hr: 90 } }], now);
    view.beginHistoryLoad();
    view.finishHistoryLoad([{ metric: 'hr', points: [point(60, 70)], resolution: 'raw', bucketSeconds: 0 }], now);
    expect(hr(view)[1]).toEqual([70]);
  });
});
