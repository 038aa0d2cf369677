/**
 * Seeded randomness, so that a run is reproducible with `--seed`.
 *
 * Two kinds: a sequential generator for draws made once (baselines, schedules), and keyed
 * values that are pure functions of (seed, key, index), so a measurement's noise depends only
 * on which patient, metric and instant it belongs to, never on how many draws came before it
 * or on how the wall-clock ticks happened to fall.
 *
 * mulberry32 is Tommy Ettinger's public-domain 32-bit generator
 * (https://gist.github.com/tommyettinger/46a874533244883189143505d203312c): one 32-bit word of
 * state, full period 2^32, fast, and statistically ample for simulation (not for secrets).
 * hash32 is FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/) over the key, finished with the
 * MurmurHash3 fmix32 avalanche step (https://github.com/aappleby/smhasher, MurmurHash3.cpp).
 */

/** Uniform in [0, 1). */
export type Rng = () => number;

// Bound once: inside jest's vm sandbox every `Math.x` lookup in a hot loop costs ~100× more,
// which made the scenario specs take minutes. Plain Node is unaffected either way.
const { imul, floor, sqrt, log, cos, max, min, PI } = Math;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of the parts; numbers are hashed by value (integers up to 2^53 exactly). */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  const mix = (byte: number) => {
    h ^= byte & 0xff;
    h = imul(h, 0x01000193);
  };
  for (const part of parts) {
    if (typeof part === 'number') {
      // Two 32-bit halves, so epoch milliseconds (> 2^32) keep all their bits.
      const high = floor(part / 4294967296);
      const low = part - high * 4294967296;
      for (const word of [high >>> 0, low >>> 0]) for (let s = 0; s < 32; s += 8) mix(word >>> s);
    } else {
      for (let i = 0; i < part.length; i++) {
        const c = part.charCodeAt(i);
        mix(c);
        mix(c >>> 8);
      }
    }
    mix(0x1f); // separator: ("ab","c") and ("a","bc") differ
  }
  return fmix32(h);
}

/** An independent generator for one purpose, e.g. `rngFor(seed, 'baseline', patientId)`. */
export const rngFor = (...key: ReadonlyArray<string | number>): Rng => mulberry32(hash32(...key));

/** A uniform value in [0, 1) that is a pure function of its key. */
export const uniformAt = (...key: ReadonlyArray<string | number>): number => hash32(...key) / 4294967296;

/** Standard normal (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log(0) is not allowed
  const v = rng();
  return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

/**
 * Normal(mean, sd) clipped to mean ± limit·sd. Clipping (rather than redrawing) keeps one draw
 * per value, and the bound lets a scenario promise what its noise can and cannot reach.
 */
export function truncatedNormal(rng: Rng, mean: number, sd: number, limit = 2.5): number {
  const z = max(-limit, min(limit, normal(rng)));
  return mean + z * sd;
}

export const between = (rng: Rng, min: number, max: number): number => min + (max - min) * rng();

export const chance = (rng: Rng, p: number): boolean => rng() < p;

/**
 * Smooth noise in [-1, 1] along time: keyed values on a lattice every `periodMs`, joined by
 * cosine interpolation. Models slow physiological wander and activity without any state.
 */
export function smoothNoise(periodMs: number, t: number, ...key: ReadonlyArray<string | number>): number {
  const x = t / periodMs;
  const i = floor(x);
  const a = uniformAt(...key, i) * 2 - 1;
  const b = uniformAt(...key, i + 1) * 2 - 1;
  const w = (1 - cos(PI * (x - i))) / 2;
  return a + (b - a) * w;
}
