export type Scheduler = (callback: () => void) => void;

const animationFrame: Scheduler = (callback) => requestAnimationFrame(() => callback());

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
    private readonly schedule: Scheduler = animationFrame,
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
