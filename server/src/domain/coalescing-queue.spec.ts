import { describe, expect, it } from '@jest/globals';
import { CoalescingQueue } from './coalescing-queue.js';

/** A run that waits until the test releases it, so the test decides what is in flight. */
function gatedQueue(concurrency: number, routineEvery?: number, routineConcurrency?: number) {
  const runs: Array<{ key: string; work: number[] }> = [];
  const gates: Array<() => void> = [];
  const errors: Array<{ error: string; work: number[] }> = [];
  let active = 0;
  let maxActive = 0;
  const queue = new CoalescingQueue<number[]>({
    concurrency,
    merge: (earlier, next) => [...earlier, ...next],
    run: async (key, work) => {
      runs.push({ key, work });
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active--;
      if (work.includes(-1)) throw new Error(`bad work for ${key}`);
    },
    onError: (key, error, work) => errors.push({ error: `${key}: ${(error as Error).message}`, work }),
    routineEvery,
    routineConcurrency,
  });
  const releaseAll = async () => {
    while (gates.length > 0 || queue.size > 0) {
      for (const open of gates.splice(0)) open();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await queue.idle();
  };
  return { queue, runs, gates, errors, releaseAll, maxActive: () => maxActive };
}

describe('CoalescingQueue', () => {
  it('merges work that arrives for a key while it runs into one next run, in arrival order', async () => {
    const { queue, runs, releaseAll } = gatedQueue(2);
    queue.push('p1', [1]);
    queue.push('p1', [2]);
    queue.push('p1', [3]);
    await releaseAll();
    // The first push starts at once; the two that came while it ran become one run.
    expect(runs).toEqual([
      { key: 'p1', work: [1] },
      { key: 'p1', work: [2, 3] },
    ]);
  });

  it('never runs one key twice at once, and runs no more keys at once than its concurrency', async () => {
    const { queue, runs, gates, releaseAll, maxActive } = gatedQueue(2);
    for (const key of ['a', 'b', 'c', 'a', 'b', 'c', 'd']) queue.push(key, [1]);
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
    expect(gates).toHaveLength(2);
    await releaseAll();
    expect(maxActive()).toBe(2);
    const perKey = runs.reduce<Record<string, number>>((n, r) => ({ ...n, [r.key]: (n[r.key] ?? 0) + r.work.length }), {});
    expect(perKey).toEqual({ a: 2, b: 2, c: 2, d: 1 });
  });

  it('serves keys first come, first served, so a busy key cannot starve a quiet one', async () => {
    const { queue, runs, releaseAll } = gatedQueue(1);
    queue.push('busy', [1]);
    queue.push('quiet', [1]);
    queue.push('busy', [2]);
    await releaseAll();
    expect(runs.map((r) => r.key)).toEqual(['busy', 'quiet', 'busy']);
  });

  it('reports a failed run with its work, and still runs the work that came after it', async () => {
    const { queue, runs, errors, releaseAll } = gatedQueue(1);
    queue.push('p1', [-1]);
    queue.push('p1', [7]);
    await releaseAll();
    expect(errors).toEqual([{ error: 'p1: bad work for p1', work: [-1] }]);
    expect(runs.at(-1)).toEqual({ key: 'p1', work: [7] });
  });

  it('is idle at once when nothing was pushed, and after the last run otherwise', async () => {
    const { queue, releaseAll } = gatedQueue(1);
    await expect(queue.idle()).resolves.toBeUndefined();
    queue.push('p1', [1]);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    await releaseAll();
    expect(idle).toBe(true);
  });

  describe('crossing and urgent lanes', () => {
    it('runs urgent work before a routine backlog that came first', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1);
      for (const key of ['r1', 'r2', 'r3', 'r4']) queue.push(key, [1]);
      queue.push('crossing', [9], 'urgent');
      await releaseAll();
      // r1 was already running; the crossing key is next, before the routine keys that waited longer.
      expect(runs.map((r) => r.key)).toEqual(['r1', 'crossing', 'r2', 'r3', 'r4']);
    });

    it('moves a waiting routine key to the urgent lane when urgent work joins it, as one merged run', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1);
      for (const key of ['r1', 'r2', 'p', 'r3']) queue.push(key, [1]);
      queue.push('p', [2], 'urgent');
      await releaseAll();
      expect(runs).toEqual([
        { key: 'r1', work: [1] },
        { key: 'p', work: [1, 2] },
        { key: 'r2', work: [1] },
        { key: 'r3', work: [1] },
      ]);
    });

    it('keeps a key urgent when routine work joins its urgent work', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1);
      queue.push('r1', [1]);
      queue.push('r2', [1]);
      queue.push('p', [1], 'urgent');
      queue.push('p', [2]);
      await releaseAll();
      expect(runs.map((r) => r.key)).toEqual(['r1', 'p', 'r2']);
    });

    it('puts urgent work that arrives while its key runs in the urgent lane for the next run', async () => {
      const { queue, runs, gates, releaseAll } = gatedQueue(1);
      queue.push('p', [1]);
      queue.push('r1', [1]);
      queue.push('r2', [1]);
      queue.push('p', [2], 'urgent'); // p is running: its next run is urgent
      expect(gates).toHaveLength(1);
      await releaseAll();
      expect(runs).toEqual([
        { key: 'p', work: [1] },
        { key: 'p', work: [2] },
        { key: 'r1', work: [1] },
        { key: 'r2', work: [1] },
      ]);
    });

    it('gives the routine lane at least one run in every `routineEvery` while urgent work keeps coming', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1, 3);
      queue.push('first', [1]);
      for (const key of ['r1', 'r2']) queue.push(key, [1]);
      for (const key of ['u1', 'u2', 'u3', 'u4', 'u5']) queue.push(key, [1], 'urgent');
      await releaseAll();
      expect(runs.map((r) => r.key)).toEqual(['first', 'u1', 'u2', 'r1', 'u3', 'u4', 'r2', 'u5']);
    });

    it('keeps a worker free of routine runs, so urgent work starts at once behind a routine backlog', async () => {
      const { queue, runs, gates, releaseAll, maxActive } = gatedQueue(2, undefined, 1);
      for (const key of ['r1', 'r2', 'r3']) queue.push(key, [1]);
      expect(runs.map((r) => r.key)).toEqual(['r1']); // one routine run at a time, the other worker stays free
      queue.push('crossing', [9], 'urgent');
      expect(runs.map((r) => r.key)).toEqual(['r1', 'crossing']); // started without waiting for r1
      expect(gates).toHaveLength(2);
      await releaseAll();
      expect(runs.map((r) => r.key)).toEqual(['r1', 'crossing', 'r2', 'r3']);
      expect(maxActive()).toBe(2);
    });

    it('runs crossing work before urgent work that came first, and moves a waiting urgent key up when crossing work joins it', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1);
      queue.push('r1', [1]);
      for (const key of ['u1', 'u2', 'p']) queue.push(key, [1], 'urgent');
      queue.push('c', [9], 'crossing');
      queue.push('p', [2], 'crossing');
      queue.push('c', [10], 'routine'); // joins c's crossing work: it stays crossing
      await releaseAll();
      expect(runs).toEqual([
        { key: 'r1', work: [1] },
        { key: 'c', work: [9, 10] },
        { key: 'p', work: [1, 2] },
        { key: 'u1', work: [1] },
        { key: 'u2', work: [1] },
      ]);
    });

    it('never gives a routine run a turn while crossing work waits, and counts no crossing run in the urgent streak', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1, 2);
      queue.push('first', [1]);
      queue.push('r1', [1]);
      queue.push('u1', [1], 'urgent');
      for (const key of ['c1', 'c2', 'c3']) queue.push(key, [1], 'crossing');
      queue.push('u2', [1], 'urgent');
      await releaseAll();
      // Every other run goes to the routine lane among urgent runs (routineEvery 2), never ahead of a crossing.
      expect(runs.map((r) => r.key)).toEqual(['first', 'c1', 'c2', 'c3', 'u1', 'r1', 'u2']);
    });

    it('promotes a key that waits, and does nothing for one whose run began', async () => {
      const { queue, runs, releaseAll } = gatedQueue(1);
      for (const key of ['r1', 'r2', 'p']) queue.push(key, [1]);
      queue.promote('p');
      queue.promote('r1'); // running: nothing waits for it
      queue.promote('gone');
      queue.push('q', [1], 'crossing');
      queue.promote('q', 'urgent'); // never down: it stays crossing
      await releaseAll();
      expect(runs.map((r) => r.key)).toEqual(['r1', 'q', 'p', 'r2']);
    });
  });
});
