import { HOUR } from '../clock.js';
import { type Scenario, progress } from './scenario.js';

/**
 * A pulse oximeter whose battery runs down: from 40 % at `onset` to empty over `over`,
 * reporting its level as it falls; at 0 it switches off without a goodbye, so the broker
 * publishes its Last Will (`{"online":false}`) and the server sees it go offline.
 */
const FROM_LEVEL = 40;

export const batteryDrain: Scenario = {
  name: 'battery-drain',
  summary: 'the oximeter battery falls from 40 % to 0 over --over, then the device goes offline',
  requires: { kinds: ['pulse_oximeter'] },
  defaults: { onset: 0, over: 3 * HOUR },
  oximeterWear: 1,
  battery(ctx, kind, t) {
    if (kind !== 'pulse_oximeter' || t < ctx.onset) return undefined;
    return FROM_LEVEL * (1 - progress(t, ctx.onset, ctx.over));
  },
};
