/**
 * Work per key (e.g. per patient), run by a fixed number of workers, where work that arrives
 * for a key while it waits or runs is merged into one next run instead of queued behind it.
 *
 * The alert rules use it so that their cost follows the number of patients, not the number
 * of stored batches: at saturation one patient's readings of ten batches become one
 * evaluation, a key never runs twice at once, and at most `concurrency` evaluations hold a
 * database connection, so the ingest writers are never starved of the pool.
 */
export class CoalescingQueue<T> {
  private readonly pending = new Map<string, T>();
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private workers = 0;
  private drained: Array<() => void> = [];

  constructor(
    private readonly options: {
      concurrency: number;
      /** Folds work that arrived later (`next`) into work still waiting (`earlier`). */
      merge: (earlier: T, next: T) => T;
      run: (key: string, work: T) => Promise<void>;
      /** A run that threw, with the work it had (to push again if the fault passes); the key's later work still runs. */
      onError: (key: string, error: unknown, work: T) => void;
    },
  ) {}

  /** Adds work for a key; it runs after the key's current run, merged with whatever else waits. */
  push(key: string, work: T): void {
    const waiting = this.pending.get(key);
    this.pending.set(key, waiting === undefined ? work : this.options.merge(waiting, work));
    if (waiting === undefined && !this.running.has(key)) this.ready.push(key);
    this.spawn();
  }

  /** Keys with work waiting (not counting the ones running). */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves once no work waits and none runs. */
  idle(): Promise<void> {
    if (this.workers === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private spawn(): void {
    while (this.workers < this.options.concurrency && this.ready.length > 0) {
      this.workers++;
      void this.work();
    }
  }

  private async work(): Promise<void> {
    for (let key = this.ready.shift(); key !== undefined; key = this.ready.shift()) {
      const work = this.pending.get(key) as T;
      this.pending.delete(key);
      this.running.add(key);
      try {
        await this.options.run(key, work);
      } catch (error) {
        this.options.onError(key, error, work);
      } finally {
        this.running.delete(key);
        if (this.pending.has(key)) this.ready.push(key);
      }
    }
    this.workers--;
    if (this.workers === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
