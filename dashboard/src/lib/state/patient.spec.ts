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
