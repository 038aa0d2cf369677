import { describe, expect, it } from '@jest/globals';
import { CoalescingQueue } from './coalescing-queue.js';

/** A run that waits until the test releases it, so the test decides what is in flight. */
function gatedQueue(concurrency: number) {
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
});
