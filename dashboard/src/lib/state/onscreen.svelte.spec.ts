import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { OnScreen } from './onscreen.svelte.js';

// Runes in a spec (the .svelte. infix compiles them): what re-runs when the observer reports.
describe('OnScreen, reactively', () => {
  it('re-runs only the readers of the item whose presence changed', () => {
    let callback: IntersectionObserverCallback | undefined;
    const screen = new OnScreen((cb) => ((callback = cb), { observe: () => undefined, unobserve: () => undefined }));
    const elements = new Map(['a', 'b', 'c'].map((id) => [id, {} as Element]));
    for (const [id, element] of elements) screen.observe(element, id);
    const report = (id: string, isIntersecting: boolean) =>
      callback?.([{ target: elements.get(id), isIntersecting } as IntersectionObserverEntry], {} as IntersectionObserver);
    // The observer's first report covers every element; then one item comes and goes.
    callback?.([...elements.values()].map((target) => ({ target, isIntersecting: false }) as IntersectionObserverEntry), {} as IntersectionObserver);

    const runs = { a: 0, b: 0, c: 0 };
    const seen: Record<string, boolean> = {};
    const stop = $effect.root(() => {
      for (const id of ['a', 'b', 'c'] as const)
        $effect(() => {
          seen[id] = screen.has(id);
          runs[id]++;
        });
    });
    flushSync();
    expect(runs).toEqual({ a: 1, b: 1, c: 1 });

    report('a', true);
    flushSync();
    expect(seen.a).toBe(true);
    report('a', false);
    flushSync();
    expect(seen.a).toBe(false);
    expect(runs).toEqual({ a: 3, b: 1, c: 1 });
    stop();
  });
});
