import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';

type ObserverFactory = (callback: IntersectionObserverCallback) => Pick<IntersectionObserver, 'observe' | 'unobserve'>;

const browserObserver: ObserverFactory | null =
  typeof IntersectionObserver === 'undefined' ? null : (callback) => new IntersectionObserver(callback, { rootMargin: '100% 0px' });

/**
 * Which of a list's items are on screen or within a screen's height of it, from one
 * IntersectionObserver for all of them, and what each shows: the overview's tiles follow their
 * live rows only while here, so 200 patients changing every second cost the page the few tiles in
 * view; a tile coming into view shows its current row at once. Without IntersectionObserver
 * every item is here.
 *
 * Each item's presence is its own signal (a map entry once the observer has reported it), so an
 * item coming or going re-runs only what reads that item; a set would make every absent item read
 * the set's version, and each tile scrolled or moved past the margin re-ran all the others.
 */
export class OnScreen {
  #here = new SvelteMap<string, boolean>();
  #ids = new WeakMap<Element, string>();
  #observer: Pick<IntersectionObserver, 'observe' | 'unobserve'> | undefined;
  /** The last value each item showed, by item and by what was read. */
  #shown = new Map<string, Map<string, unknown>>();

  /** `createObserver` null: no IntersectionObserver here. */
  constructor(private readonly createObserver: ObserverFactory | null = browserObserver) {}

  has(id: string): boolean {
    return this.createObserver === null || this.#here.get(id) === true;
  }

  /**
   * What item `id` shows of `read()` (named `what`): the current value, followed, while the item
   * is here; otherwise the value it showed last, without following `read`'s changes.
   */
  show<T>(id: string, what: string, read: () => T): T {
    let shown = this.#shown.get(id);
    if (!this.has(id) && shown?.has(what)) return shown.get(what) as T;
    const value = this.has(id) ? read() : untrack(read);
    if (!shown) this.#shown.set(id, (shown = new Map<string, unknown>()));
    shown.set(what, value);
    return value;
  }

  /** Watches `element` as item `id` until the returned function is called. */
  observe(element: Element, id: string): () => void {
    if (this.createObserver === null) return () => undefined;
    this.#observer ??= this.createObserver((entries) => {
      for (const entry of entries) {
        const key = this.#ids.get(entry.target);
        if (key !== undefined) this.#here.set(key, entry.isIntersecting);
      }
    });
    this.#ids.set(element, id);
    this.#observer.observe(element);
    return () => {
      this.#observer?.unobserve(element);
      this.#ids.delete(element);
      this.#here.delete(id);
      this.#shown.delete(id);
    };
  }
}
