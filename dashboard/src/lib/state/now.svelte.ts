/** The time ages and countdowns are shown against: one timer per interval for every view using it. */
class Now {
  value = $state(new Date());
  #timer: ReturnType<typeof setInterval> | undefined;
  #users = 0;

  constructor(private readonly intervalMs: number) {}

  use(): () => void {
    if (this.#users++ === 0) this.#timer = setInterval(() => (this.value = new Date()), this.intervalMs);
    return () => {
      if (--this.#users === 0) clearInterval(this.#timer);
    };
  }
}

/** Ticks every 15 s: ages ("3 min ago"). */
export const now = new Now(15_000);
/** Ticks every second: countdowns (time to the next escalation level, a paused alarm). */
export const everySecond = new Now(1000);
