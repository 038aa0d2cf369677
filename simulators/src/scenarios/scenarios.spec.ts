import { describe, expect, it } from '@jest/globals';
import type { DeviceKind } from '@vigil/server/domain/device-kinds.js';
import { demoReplay } from '@vigil/server/domain/demo-ward.js';
import { news2AlertPriority, type News2Result, scoreNews2 } from '@vigil/server/domain/news2.js';
import { sampleSchema } from '@vigil/server/domain/protocol.js';
import { DAY, HOUR } from '../clock.js';
import type { DeviceModel } from '../devices/model.js';
import type { DeviceOutput } from '../devices/output.js';
import { type PlannedPatient, planWard } from '../ward/plan.js';
import { kitFor } from './index.js';
import type { ScenarioName } from './scenario.js';

// 2026-11-30 00:00 UTC = 01:00 in Denmark (UTC+1 in winter).
const START = Date.parse('2026-11-30T00:00:00Z');
const SEEDS = [1, 2, 3, 4];

function simulate(
  scenario: ScenarioName,
  seed: number,
  overrides: { over?: number; onset?: number; faultRate?: number; wanderNight?: 'next' | 'last' } = {},
  spo2Scale = kitFor(scenario).spo2Scale,
): PlannedPatient {
  const kit = kitFor(scenario);
  const devices = kit.kinds.map((kind, i) => ({ id: `dev-${seed}-${i}-${kind}`, kind, secret: 's' }));
  const [planned] = planWard([{ id: `patient-${seed}`, name: 'Test', spo2Scale, devices }], [scenario], {
    seed,
    start: START,
    utcOffsetMinutes: 60,
    ...overrides,
  });
  return planned;
}

/** Everything `model` does in (from, to], asked in windows of `step` as a running device would. */
function series(model: DeviceModel, from: number, to: number, step = 60_000): DeviceOutput[] {
  const out: DeviceOutput[] = [];
  for (let t = from; t < to; t += step) out.push(...model.outputs(t, Math.min(to, t + step)));
  return out;
}

function outputs(planned: PlannedPatient, kind: DeviceKind, from: number, to: number): DeviceOutput[] {
  const device = planned.devices.find((d) => d.model.device.kind === kind)!;
  return series(device.model, from, to);
}

type Samples = Array<{ t: number; m: Record<string, number> }>;

function allSamples(planned: PlannedPatient, from: number, to: number): Samples {
  return planned.devices
    .flatMap((d) => series(d.model, from, to))
    .filter((o): o is Extract<DeviceOutput, { type: 'sample' }> => o.type === 'sample')
    .sort((a, b) => a.t - b.t);
}

/** NEWS2 as the server scores it: the latest measured value of each parameter, at each of `times` (ascending). */
function news2Over(samples: Samples, spo2Scale: 1 | 2, times: number[]): News2Result[] {
  const latest: Record<string, number> = {};
  const results: News2Result[] = [];
  let i = 0;
  for (const at of times) {
    for (; i < samples.length && samples[i].t <= at; i++) Object.assign(latest, samples[i].m);
    results.push(scoreNews2(latest, spo2Scale));
  }
  return results;
}

const everyMinute = (from: number, to: number) => Array.from({ length: Math.floor((to - from) / 60_000) }, (_, k) => from + (k + 1) * 60_000);

describe('scenarios', () => {
  it('are reproducible: the same seed gives identical series, another seed another', () => {
    const run = (seed: number) => allSamples(simulate('deteriorating', seed), START, START + 2 * HOUR);
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('do not depend on how time is sliced into windows (a running device asks every tick)', () => {
    for (const scenario of ['fall', 'battery-drain', 'copd-exacerbation'] as const) {
      const planned = simulate(scenario, 3, { over: HOUR });
      for (const { model } of planned.devices) {
        expect(series(model, START, START + 2 * HOUR, 1000)).toEqual(series(model, START, START + 2 * HOUR, HOUR));
      }
    }
  });

  it('stable stays at NEWS2 ≤ 2 through a day and a night, every minute, on both SpO2 scales, across seeds', () => {
    const worst = [];
    for (const seed of SEEDS) {
      for (const scale of [1, 2] as const) {
        const to = START + DAY;
        const results = news2Over(allSamples(simulate('stable', seed, {}, scale), START, to), scale, everyMinute(START + 10 * 60_000, to));
        // Every scored parameter has a value (o2 and consciousness have no device in this kit): not a vacuous pass.
        expect(results.at(-1)!.missing).toEqual(['o2', 'acvpu']);
        worst.push({ seed, scale, score: Math.max(...results.map((r) => r.score)) });
      }
    }
    expect(worst.filter((w) => w.score > 2)).toEqual([]);
  });
});

const events = (outs: DeviceOutput[]) => outs.filter((o): o is Extract<DeviceOutput, { type: 'event' }> => o.type === 'event');
const readings = (outs: DeviceOutput[]) => outs.filter((o): o is Extract<DeviceOutput, { type: 'sample' }> => o.type === 'sample');

describe('deteriorating', () => {
  it.each([
    ['the default 6 hours', undefined],
    ['a configured 2 hours', 2 * HOUR],
  ])('climbs from NEWS2 0 to ≥ 7 by its deadline over %s, across seeds', (_, over) => {
    for (const seed of SEEDS) {
      const planned = simulate('deteriorating', seed, { over });
      const { onset, over: duration } = planned.world.context;
      const deadline = onset + duration;
      // The body scores 0 when it begins...
      expect(scoreNews2(planned.world.vitals(onset), 1).score).toBe(0);
      // ...and what the devices measured scores ≥ 7 at the deadline and stays there.
      const results = news2Over(allSamples(planned, START, deadline + HOUR), 1, [deadline, deadline + 30 * 60_000, deadline + HOUR]);
      expect({ seed, scores: results.map((r) => r.score >= 7) }).toEqual({ seed, scores: [true, true, true] });
      // Before the change the measured score is that of a stable patient.
      const early = news2Over(allSamples(planned, START, onset), 1, everyMinute(START + 10 * 60_000, onset));
      expect(Math.max(...early.map((r) => r.score))).toBeLessThanOrEqual(2);
    }
  });

  it("with the demo's opening replay (server/src/domain/demo-ward.ts), passes NEWS2 medium, then reaches high, before the replay ends", () => {
    const replay = demoReplay(60)!;
    for (const seed of SEEDS) {
      const planned = simulate('deteriorating', seed, { onset: replay.onsetMinutes * 60_000, over: replay.overMinutes * 60_000 });
      const end = START + replay.minutes * 60_000;
      const risks = news2Over(allSamples(planned, START, end), 1, everyMinute(START, end)).map((r) => news2AlertPriority(r));
      const medium = risks.indexOf('medium');
      expect({ seed, medium: medium >= 0, highAfter: risks.indexOf('high') > medium }).toEqual({ seed, medium: true, highAfter: true });
    }
  });

  it('measures temperature hourly once febrile', () => {
    const planned = simulate('deteriorating', 1);
    const { onset, over } = planned.world.context;
    const temps = readings(outputs(planned, 'thermometer', onset + over / 2, onset + over));
    expect(temps.length).toBeGreaterThanOrEqual(2);
    expect(temps.filter((s) => s.m.temp < 37.5)).toEqual([]);
  });
});

describe('copd-exacerbation', () => {
  it('lets SpO2 drift below the 88–92 % target on a scale-2 patient, then starts oxygen and recovers', () => {
    const planned = simulate('copd-exacerbation', 2);
    const { onset, over } = planned.world.context;
    const oxygenAt = onset + over;
    expect(planned.world.patient.spo2Scale).toBe(2);
    const spo2Before = readings(outputs(planned, 'pulse_oximeter', oxygenAt - HOUR, oxygenAt)).map((s) => s.m.spo2);
    expect(Math.min(...spo2Before)).toBeLessThan(88);
    const o2 = readings(outputs(planned, 'oxygen_concentrator', START, oxygenAt + HOUR));
    const o2Before = o2.filter((s) => s.t < oxygenAt);
    expect(o2Before.length).toBeGreaterThanOrEqual(2); // the concentrator reports while it is off, too
    expect(o2Before.filter((s) => s.m.o2 !== 0)).toEqual([]);
    expect(o2.find((s) => s.t >= oxygenAt)).toEqual({ type: 'sample', t: oxygenAt, m: { o2: 1 } });
    const spo2After = readings(outputs(planned, 'pulse_oximeter', oxygenAt + HOUR, oxygenAt + 2 * HOUR)).map((s) => s.m.spo2);
    expect(Math.min(...spo2After)).toBeGreaterThanOrEqual(88);
    expect(scoreNews2(planned.world.vitals(oxygenAt + HOUR), 2).score).toBeGreaterThanOrEqual(5);
  });
});

describe('heart-failure', () => {
  it('gains more than 2 kg on the morning scale over 3 days, across seeds', () => {
    for (const seed of SEEDS) {
      const planned = simulate('heart-failure', seed);
      const weights = readings(outputs(planned, 'scale', START, START + 3 * DAY + 12 * HOUR)).map((s) => s.m.weight);
      expect(weights.length).toBeGreaterThanOrEqual(4); // enrolment and a morning each day
      expect(weights.at(-1)! - weights[0]).toBeGreaterThan(2);
    }
  });
});

describe('hypoglycaemia', () => {
  it('measures a level 2 hypoglycaemia (< 3.0 mmol/L) when shaky, then recovers on the re-checks', () => {
    const planned = simulate('hypoglycaemia', 1);
    const { onset, over } = planned.world.context;
    const glucose = readings(outputs(planned, 'glucometer', START, onset + over + HOUR));
    const before = glucose.filter((s) => s.t < onset);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.filter((s) => s.m.glucose < 3.9)).toEqual([]);
    const [check, recheck15, recheck30] = glucose.filter((s) => s.t >= onset + over);
    expect(check).toEqual({ type: 'sample', t: onset + over, m: { glucose: expect.any(Number) } });
    expect(check.m.glucose).toBeLessThan(3);
    expect(recheck15.m.glucose).toBeGreaterThan(check.m.glucose);
    expect(recheck30.m.glucose).toBeGreaterThan(recheck15.m.glucose);
  });
});

describe('fall', () => {
  it('reports the fall, the alarm button and inactivity, and then nothing else happens at home', () => {
    const planned = simulate('fall', 1);
    const { onset } = planned.world.context;
    const to = onset + 2 * DAY;
    expect(
      events(outputs(planned, 'fall_detector', START, to))
        .slice(0, 3)
        .map((e) => [e.event, (e.t - onset) / 60_000]),
    ).toEqual([
      ['fall', 0],
      ['inactivity', 10],
      ['inactivity', 40],
    ]);
    expect(events(outputs(planned, 'alarm_button', START, to)).map((e) => e.t - onset)).toEqual([2 * 60_000]);
    for (const kind of ['bp_cuff', 'thermometer', 'scale', 'pulse_oximeter'] as const) {
      expect(readings(outputs(planned, kind, onset, to))).toEqual([]);
    }
  });
});

describe('wandering', () => {
  it('opens the front door at night and nobody comes back', () => {
    const planned = simulate('wandering', 1);
    const to = START + 3 * DAY;
    const door = events(outputs(planned, 'door_sensor', START, to));
    const bed = events(outputs(planned, 'bed_sensor', START, to));
    const exit = door.find((e) => e.event === 'door_open' && new Date(e.t + HOUR).getUTCHours() < 5)!;
    expect(new Date(exit.t + HOUR).getUTCHours()).toBe(2); // 02:xx local (UTC+1)
    expect(door.filter((e) => e.t > exit.t).map((e) => e.event)).toEqual(['door_close']);
    expect(bed.filter((e) => e.t > exit.t)).toEqual([]);
    expect(bed.filter((e) => e.t <= exit.t).at(-1)!.event).toBe('bed_exit');
    expect(readings(outputs(planned, 'wearable', exit.t, to))).toEqual([]);
    expect(planned.world.historyFrom()).toBeUndefined(); // nothing before the start to report
  });

  it("with wanderNight last, left in the night before the onset: its history begins before that night's bed exit", () => {
    const onset = 14 * HOUR; // the run starts at 01:00 local; the scenario begins at 15:00
    const planned = simulate('wandering', 2, { onset, wanderNight: 'last' });
    const since = planned.world.historyFrom()!;
    const to = START + 2 * DAY;
    const door = events(outputs(planned, 'door_sensor', since, to));
    const bed = events(outputs(planned, 'bed_sensor', since, to));
    const exit = door.find((e) => e.event === 'door_open')!;
    expect(new Date(exit.t + HOUR).getUTCHours()).toBe(2); // 02:xx local (UTC+1) ...
    expect(exit.t).toBeLessThan(START + onset); // ... of the night before the onset
    expect(exit.t).toBeGreaterThan(START + onset - DAY);
    expect(door.map((e) => e.event)).toEqual(['door_open', 'door_close']);
    expect(bed.at(-1)).toMatchObject({ event: 'bed_exit', t: exit.t - 6 * 60_000 }); // out of bed first, never back
    expect(bed[0].t).toBeGreaterThan(since);
    expect(planned.world.whereabouts(START + onset)).toBe('away');
  });
});

describe('missed-dose', () => {
  it('reports doses taken before onset and missed after', () => {
    const planned = simulate('missed-dose', 1, { onset: 12 * HOUR });
    const { onset } = planned.world.context;
    const doses = events(outputs(planned, 'medication_dispenser', START, START + 2 * DAY));
    expect(doses.length).toBeGreaterThanOrEqual(7);
    for (const dose of doses) expect(dose.event).toBe(dose.t < onset ? 'med_taken' : 'med_missed');
    expect(doses.some((d) => d.event === 'med_taken')).toBe(true);
  });
});

describe('battery-drain', () => {
  it('reports a falling battery, then powers off and stays silent', () => {
    const planned = simulate('battery-drain', 1, { over: 2 * HOUR });
    const out = outputs(planned, 'pulse_oximeter', START, START + 4 * HOUR);
    const levels = out.filter((o): o is Extract<DeviceOutput, { type: 'battery' }> => o.type === 'battery').map((o) => o.level);
    // From 40 %: a status each time it falls into the next 5 % step, down to the last one.
    expect(levels).toEqual([39, 34, 29, 24, 19, 14, 9, 4]);
    const off = out.findIndex((o) => o.type === 'power-off');
    expect(off).toBe(out.length - 1);
    // It reads 0 % (rounded) from 0.5 % on, 1.5 minutes before the very end.
    expect(out[off].t).toBeGreaterThan(START + 2 * HOUR - 2 * 60_000);
    expect(out[off].t).toBeLessThanOrEqual(START + 2 * HOUR);
  });
});

describe('noisy-sensor', () => {
  it('drops SpO2, reports implausible values and malformed payloads at the fault rate', () => {
    const planned = simulate('noisy-sensor', 1, { faultRate: 0.1 });
    const out = outputs(planned, 'pulse_oximeter', START, START + HOUR);
    const malformed = out.filter((o) => o.type === 'malformed');
    const samples = readings(out);
    const dropouts = samples.filter((s) => s.m.spo2 === undefined);
    const implausible = samples.filter((s) => s.m.spo2 === 0 || s.m.spo2 > 100 || s.m.hr === 0 || s.m.hr > 300);
    const faults = malformed.length + dropouts.length + implausible.length;
    expect(faults / out.length).toBeGreaterThan(0.08);
    expect(faults / out.length).toBeLessThan(0.12);
    for (const group of [malformed, dropouts, implausible]) expect(group.length).toBeGreaterThan(faults / 5);
    for (const bad of malformed) {
      const payload = bad.payload;
      expect(isValidSample(payload)).toBe(false);
    }
  });
});

function isValidSample(payload: string): boolean {
  try {
    return sampleSchema.safeParse(JSON.parse(payload)).success && Object.values(JSON.parse(payload).m).every((v) => typeof v === 'number');
  } catch {
    return false;
  }
}
