/**
 * Work per key (e.g. per patient), run by a fixed number of workers, where work that arrives
 * for a key while it waits or runs is merged into one next run instead of queued behind it.
 *
 * The alert rules use it so that their cost follows the number of patients, not the number
 * of stored batches: at saturation one patient's readings of ten batches become one
 * evaluation, a key never runs twice at once, and at most `concurrency` evaluations hold a
 * database connection, so the ingest writers are never starved of the pool.
 *
 * Two lanes: work pushed as urgent (a patient whose reading crosses a band, or whose rules are
 * under way) runs before routine work, first come first served within a lane. Work for a key
 * that waits in the routine lane moves it to the urgent one when urgent work joins it (one
 * run, merged). So that a steady stream of urgent keys cannot starve the routine ones, at
 * least one run in every `routineEvery` goes to the routine lane while it has work. With
 * `routineConcurrency` below `concurrency`, routine runs leave workers free, so urgent work
 * starts at once instead of waiting for a routine run to end.
 */
export class CoalescingQueue<T> {
  private readonly pending = new Map<string, { work: T; urgent: boolean }>();
  private readonly urgent: string[] = [];
  private readonly routine: string[] = [];
  private readonly running = new Set<string>();
  private routineRunning = 0;
  /** Urgent runs taken one after another while routine work waited. */
  private urgentStreak = 0;
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
      /** At least one run in this many goes to the routine lane while it has work (default 4). */
      routineEvery?: number;
      /** At most this many routine runs at once (default: `concurrency`). */
      routineConcurrency?: number;
    },
  ) {}

  /** Adds work for a key; it runs after the key's current run, merged with whatever else waits, in the urgent lane if any of it is urgent. */
  push(key: string, work: T, urgent = false): void {
    const waiting = this.pending.get(key);
    if (waiting) waiting.work = this.options.merge(waiting.work, work);
    else {
      this.pending.set(key, { work, urgent: false });
      if (!this.running.has(key)) this.routine.push(key);
    }
    if (urgent) this.promote(key);
    else this.spawn();
  }

  /** Makes the key's waiting work urgent (nothing when none waits: its run has begun or ended). */
  promote(key: string): void {
    const waiting = this.pending.get(key);
    if (waiting && !waiting.urgent) {
      waiting.urgent = true;
      if (!this.running.has(key)) {
        this.routine.splice(this.routine.lastIndexOf(key), 1);
        this.urgent.push(key);
      }
    }
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

  /** Routine work waits and may start now (under its own limit). */
  private routineMayRun(): boolean {
    return this.routine.length > 0 && this.routineRunning < (this.options.routineConcurrency ?? this.options.concurrency);
  }

  private spawn(): void {
    while (this.workers < this.options.concurrency && (this.urgent.length > 0 || this.routineMayRun())) {
      this.workers++;
      void this.work();
    }
  }

  /** The next key to run: urgent first, except that every `routineEvery`-th run in a row goes to waiting routine work. */
  private take(): { key: string; routine: boolean } | undefined {
    const routine = this.routineMayRun();
    if (routine && (this.urgent.length === 0 || this.urgentStreak >= (this.options.routineEvery ?? 4) - 1)) {
      this.urgentStreak = 0;
      return { key: this.routine.shift()!, routine: true };
    }
    if (this.urgent.length === 0) return undefined;
    if (routine) this.urgentStreak++;
    return { key: this.urgent.shift()!, routine: false };
  }

  private async work(): Promise<void> {
    for (let next = this.take(); next !== undefined; next = this.take()) {
      const { key, routine } = next;
      const { work } = this.pending.get(key)!;
      this.pending.delete(key);
      this.running.add(key);
      if (routine) this.routineRunning++;
      try {
        await this.options.run(key, work);
      } catch (error) {
        this.options.onError(key, error, work);
      } finally {
        this.running.delete(key);
        if (routine) this.routineRunning--;
        const waiting = this.pending.get(key);
        if (waiting) (waiting.urgent ? this.urgent : this.routine).push(key);
      }
    }
    this.workers--;
    if (this.workers === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
