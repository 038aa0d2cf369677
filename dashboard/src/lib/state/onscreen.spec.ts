import { describe, expect, it } from 'vitest';
import { OnScreen } from './onscreen.svelte.js';

/** A stand-in IntersectionObserver: the spec says which elements intersect. */
function fakeObserver() {
  let callback: IntersectionObserverCallback | undefined;
  const observed = new Set<Element>();
  return {
    observed,
    create: (cb: IntersectionObserverCallback) => {
      callback = cb;
      return { observe: (el: Element) => void observed.add(el), unobserve: (el: Element) => void observed.delete(el) };
    },
    report: (...entries: Array<[Element, boolean]>) =>
      callback?.(
        entries.map(([target, isIntersecting]) => ({ target, isIntersecting }) as IntersectionObserverEntry),
        {} as IntersectionObserver,
      ),
  };
}
const element = () => ({}) as Element;

describe('OnScreen', () => {
  it('has an item while the observer reports it intersecting, and not before or after', () => {
    const fake = fakeObserver();
    const screen = new OnScreen(fake.create);
    const [a, b] = [element(), element()];
    screen.observe(a, 'a');
    screen.observe(b, 'b');
    expect(screen.has('a')).toBe(false);
    fake.report([a, true], [b, false]);
    expect([screen.has('a'), screen.has('b')]).toEqual([true, false]);
    fake.report([a, false], [b, true]);
    expect([screen.has('a'), screen.has('b')]).toEqual([false, true]);
  });

  it('forgets an item when its element is no longer watched', () => {
    const fake = fakeObserver();
    const screen = new OnScreen(fake.create);
    const a = element();
    const stop = screen.observe(a, 'a');
    fake.report([a, true]);
    stop();
    expect(screen.has('a')).toBe(false);
    expect(fake.observed.has(a)).toBe(false);
  });

  it('counts every item as here where there is no IntersectionObserver', () => {
    const screen = new OnScreen(null);
    screen.observe(element(), 'a');
    expect(screen.has('a')).toBe(true);
  });
});

describe('OnScreen.show', () => {
  it('follows the value while the item is here, and keeps the last one shown while it is away', () => {
    const fake = fakeObserver();
    const screen = new OnScreen(fake.create);
    const a = element();
    screen.observe(a, 'a');
    let value = 1;
    expect(screen.show('a', 'row', () => value)).toBe(1);
    value = 2;
    expect(screen.show('a', 'row', () => value)).toBe(1);
    fake.report([a, true]);
    expect(screen.show('a', 'row', () => value)).toBe(2);
    fake.report([a, false]);
    value = 3;
    expect(screen.show('a', 'row', () => value)).toBe(2);
    expect(screen.show('a', 'spark', () => 'first read')).toBe('first read');
  });

  it('forgets what an item showed when it is no longer watched', () => {
    const screen = new OnScreen(fakeObserver().create);
    const a = element();
    const stop = screen.observe(a, 'a');
    screen.show('a', 'row', () => 1);
    stop();
    expect(screen.show('a', 'row', () => 2)).toBe(2);
  });
});
