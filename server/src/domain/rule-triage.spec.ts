import { describe, expect, it } from '@jest/globals';
import { type Lane, memoryOf, type RuleMemory, thresholdActive, triage } from './rule-triage.js';

const HR = { metric: 'hr', yellowLow: 50, yellowHigh: 110, redHigh: 130, sustainedSeconds: 60, clearMargin: 2, clearAfterSeconds: 60 };

/** A patient with an hr threshold, nothing under way, NEWS2 0 from the values last scored. */
const quiet: RuleMemory = {
  teamId: 't1',
  spo2Scale: 1,
  thresholds: [HR],
  active: false,
  raised: [],
  news2Open: false,
  news2: { rr: 16, spo2: 97, o2: 0, sbp: 125, hr: 70, acvpu: 0, temp: 36.8 },
};

/** The same patient with its hr alert raised (yellow), still under way. */
const raisedHr: RuleMemory = { ...quiet, active: true, raised: ['hr'] };

const readings = (...samples: Array<[string, number]>) => ({ readings: samples.map(([metric, value]) => ({ metric, value })), events: [], statuses: [] });

describe('triage (which lane of the rules queue a batch takes)', () => {
  it.each<[string, RuleMemory | undefined, Parameters<typeof triage>[1], Lane]>([
    ['in-band readings of a patient with nothing under way', quiet, readings(['hr', 72], ['spo2', 98]), 'routine'],
    ['a metric without a threshold, NEWS2 still 0', quiet, readings(['steps', 9000]), 'routine'],
    ['a reading on the band edge (inside)', quiet, readings(['hr', 110]), 'routine'],
    ['a reading outside the yellow band', quiet, readings(['hr', 72], ['hr', 111]), 'crossing'],
    ['a reading under the low band', quiet, readings(['hr', 49]), 'crossing'],
    ['a reading outside the band of a metric already raised (a repeat, or its priority rising)', raisedHr, readings(['hr', 125]), 'urgent'],
    [
      'a crossing of another metric while one is raised',
      { ...raisedHr, thresholds: [HR, { ...HR, metric: 'spo2', yellowHigh: null, yellowLow: 92 }] },
      readings(['hr', 120], ['spo2', 90]),
      'crossing',
    ],
    [
      'a reading outside a band of a patient whose rules are under way (a breach timed, not raised)',
      { ...quiet, active: true },
      readings(['hr', 120]),
      'crossing',
    ],
    ['a patient without memory (its context could not be read)', undefined, readings(['hr', 72]), 'urgent'],
    ['a patient with something under way (a breach timed, an alert to clear)', { ...quiet, active: true }, readings(['hr', 72]), 'urgent'],
    ['a device event', quiet, { readings: [], events: [{ type: 'fall' }], statuses: [] }, 'crossing'],
    ['a device offline (a status or its Last Will)', quiet, { readings: [], events: [], statuses: [{ online: false }] }, 'urgent'],
    ['a device’s battery level', quiet, { readings: [], events: [], statuses: [{ online: true, battery: 80 }] }, 'urgent'],
    ['a device back online with in-band readings, nothing under way', quiet, { ...readings(['hr', 72]), statuses: [{ online: true }] }, 'routine'],
    [
      'a device back online of a patient with something under way (its device-offline alert)',
      { ...quiet, active: true },
      { readings: [], events: [], statuses: [{ online: true }] },
      'urgent',
    ],
    // SpO2 91 scores 3 on scale 1: a single parameter of 3 triggers (low–medium).
    ['a NEWS2 input that scores 3 on its own', quiet, readings(['spo2', 91]), 'crossing'],
    ['a triggering NEWS2 input while a NEWS2 alert is unresolved (a repeat)', { ...quiet, active: true, news2Open: true }, readings(['spo2', 91]), 'urgent'],
    // rr 22 (2) + hr 115 (2) + temp 38.5 (1) = 5: medium, though no parameter scores 3 and hr has no band crossed.
    [
      'NEWS2 inputs that trigger together with the values last scored',
      { ...quiet, thresholds: [] },
      readings(['rr', 22], ['hr', 115], ['temp', 38.5]),
      'crossing',
    ],
    ['NEWS2 inputs that move but stay under every trigger', { ...quiet, thresholds: [] }, readings(['rr', 22], ['hr', 95]), 'routine'],
    ['a NEWS2 value that cannot be scored (o2 above 1)', quiet, readings(['o2', 5]), 'urgent'],
  ])('%s', (_, memory, work, lane) => {
    expect(triage(memory, work).lane).toBe(lane);
  });

  it.each([
    [{}, false],
    [{ lastT: 5 }, false],
    [{ breachSince: 1, lastT: 5 }, true],
    [{ breachSince: 1, raised: true, lastT: 5 }, true],
    [{ breachSince: 1, raised: true, clearingSince: 4, lastT: 5 }, true],
  ])('a threshold state %j is under way: %s', (state, active) => {
    expect(thresholdActive(state)).toBe(active);
  });

  it('keeps the batch’s NEWS2 inputs, so two routine batches that trigger only together make the second crossing', () => {
    const memory = { ...quiet, thresholds: [] };
    const first = triage(memory, readings(['rr', 22], ['hr', 95])); // 2 + 1: under every trigger
    expect(first).toEqual({ lane: 'routine', news2: { ...quiet.news2, rr: 22, hr: 95 } });
    expect(triage({ ...memory, news2: first.news2 }, readings(['hr', 115], ['temp', 38.5])).lane).toBe('crossing'); // 2 + 2 + 1 = 5
    expect(triage(memory, readings(['hr', 115], ['temp', 38.5])).lane).toBe('routine'); // without the first batch: 3
  });

  it('keeps what it has not evaluated yet: the values of a patient without memory', () => {
    expect(triage(undefined, readings(['spo2', 95], ['steps', 10]))).toEqual({ lane: 'urgent', news2: { spo2: 95 } });
  });

  describe('memoryOf', () => {
    const context = {
      teamId: 't1',
      spo2Scale: 1 as const,
      thresholds: [HR, { ...HR, metric: 'spo2', yellowHigh: null, yellowLow: 92 }],
      states: new Map(),
      offlineAlerts: new Map(),
      news2: { hr: 70 },
      news2Open: false,
    };
    it.each([
      ['nothing under way', {}, false, []],
      ['a breach being timed', { states: new Map([['threshold:spo2', { breachSince: 1, lastT: 2 }]]) }, true, []],
      ['a raised threshold', { states: new Map([['threshold:hr', { breachSince: 1, raised: true, lastT: 2 }]]) }, true, ['hr']],
      ['the state of a metric that has no threshold any more', { states: new Map([['threshold:rr', { breachSince: 1, raised: true }]]) }, false, []],
      ['an unresolved NEWS2 alert', { news2Open: true }, true, []],
      ['an unresolved device-offline alert', { offlineAlerts: new Map([['d1', false]]) }, true, []],
    ])('%s: under way %s, raised %j', (_, change, active, raised) => {
      const news2Open = 'news2Open' in change && change.news2Open === true;
      expect(memoryOf({ ...context, ...change })).toEqual({
        teamId: 't1',
        spo2Scale: 1,
        thresholds: context.thresholds,
        active,
        raised,
        news2Open,
        news2: { hr: 70 },
      });
    });
  });
});
