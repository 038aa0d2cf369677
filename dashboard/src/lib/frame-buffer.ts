export type Scheduler = (callback: () => void) => void;

/**
 * Once per frame, in a task of its own just after the frame: the state change (and Svelte's
 * updates of the DOM) then run apart from the browser's style, layout and paint of them, which
 * happen in the next frame. Applied inside the frame's callback, the overview's tick and its
 * rendering were one task of 16–20 ms of CPU (profiled at reduced size, docs/benchmarks.md);
 * split, they are about 5 ms and 12–13 ms.
 */
const afterFrame: Scheduler = (callback) => requestAnimationFrame(() => setTimeout(callback, 0));

/**
 * Live data is buffered and applied once per animation frame, not per message: 200 patients
 * updating every second become at most one state change per frame, and the browser lays out
 * once. `apply` receives everything pushed since the last frame, in arrival order.
 */
export class FrameBuffer<T> {
  #items: T[] = [];
  #scheduled = false;
  #closed = false;

  constructor(
    private readonly apply: (items: T[]) => void,
    private readonly schedule: Scheduler = afterFrame,
  ) {}

  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#closed || this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.apply(items);
  }

  close(): void {
    this.#closed = true;
    this.#items = [];
  }
}
