import type { Scenario } from './scenario.js';

/** Everyday life: the patient's own physiology with its rhythm and noise, nothing happening. */
export const stable: Scenario = {
  name: 'stable',
  summary: 'everyday life; NEWS2 stays at 0–2',
  requires: { kinds: [] },
  defaults: { onset: 0, over: 0 },
};
