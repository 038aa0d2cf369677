/** The lanes of a CoalescingQueue, highest first: crossing, urgent, routine. */
export type Lane = 'crossing' | 'urgent' | 'routine';

const RANK: Record<Lane, number> = { routine: 0, urgent: 1, crossing: 2 };

/**
 * Work per key (e.g. per patient), run by a fixed number of workers, where work that arrives
 * for a key while it waits or runs is merged into one next run instead of queued behind it.
 *
 * The alert rules use it so that their cost follows the number of patients, not the number
 * of stored batches: at saturation one patient's readings of ten batches become one
 * evaluation, a key never runs twice at once, and at most `concurrency` evaluations hold a
 * database connection, so the ingest writers are never starved of the pool.
 *
 * Three lanes, first come first served within each: `crossing` work (a patient whose reading
 * crosses a band it was not raised for, a device event) runs before any other; `urgent` work (a
 * patient whose rules are under way) before `routine` work. Work for a key that waits in a lower
 * lane moves up when work of a higher lane joins it (one run, merged). So that a steady stream of
 * urgent keys cannot starve the routine ones, at least one run in every `routineEvery` goes to
 * the routine lane while it has work; crossing work never yields to it (each crossing is a
 * change of state, so their stream is bounded by the alerts they open). With
 * `routineConcurrency` below `concurrency`, routine runs leave workers free, so crossing and
 * urgent work start at once instead of waiting for a routine run to end.
 */
export class CoalescingQueue<T> {
  private readonly pending = new Map<string, { work: T; lane: Lane }>();
  private readonly lanes: Record<Lane, string[]> = { crossing: [], urgent: [], routine: [] };
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

  /** Adds work for a key; it runs after the key's current run, merged with whatever else waits, in the highest lane any of it has. */
  push(key: string, work: T, lane: Lane = 'routine'): void {
    const waiting = this.pending.get(key);
    if (waiting) waiting.work = this.options.merge(waiting.work, work);
    else {
      this.pending.set(key, { work, lane: 'routine' });
      if (!this.running.has(key)) this.lanes.routine.push(key);
    }
    this.promote(key, lane);
  }

  /** Moves the key's waiting work up to `lane` (nothing when none waits, its run has begun or ended, or it waits higher). */
  promote(key: string, lane: Lane = 'urgent'): void {
    const waiting = this.pending.get(key);
    if (waiting && RANK[lane] > RANK[waiting.lane]) {
      if (!this.running.has(key)) {
        const from = this.lanes[waiting.lane];
        from.splice(from.lastIndexOf(key), 1);
        this.lanes[lane].push(key);
      }
      waiting.lane = lane;
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
    return this.lanes.routine.length > 0 && this.routineRunning < (this.options.routineConcurrency ?? this.options.concurrency);
  }

  private spawn(): void {
    while (this.workers < this.options.concurrency && (this.lanes.crossing.length > 0 || this.lanes.urgent.length > 0 || this.routineMayRun())) {
      this.workers++;
      void this.work();
    }
  }

  /** The next key to run: crossing first, then urgent, except that every `routineEvery`-th urgent run in a row goes to waiting routine work. */
  private take(): { key: string; lane: Lane } | undefined {
    if (this.lanes.crossing.length > 0) return { key: this.lanes.crossing.shift()!, lane: 'crossing' };
    const routine = this.routineMayRun();
    if (routine && (this.lanes.urgent.length === 0 || this.urgentStreak >= (this.options.routineEvery ?? 4) - 1)) {
      this.urgentStreak = 0;
      return { key: this.lanes.routine.shift()!, lane: 'routine' };
    }
    if (this.lanes.urgent.length === 0) return undefined;
    if (routine) this.urgentStreak++;
    return { key: this.lanes.urgent.shift()!, lane: 'urgent' };
  }

  private async work(): Promise<void> {
    for (let next = this.take(); next !== undefined; next = this.take()) {
      const { key } = next;
      const routine = next.lane === 'routine';
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
        if (waiting) this.lanes[waiting.lane].push(key);
      }
    }
    this.workers--;
    if (this.workers === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
