/** The time ages are shown against, ticking every 15 s (one timer for every tile). */
class Now {
  value = $state(new Date());
  #timer: ReturnType<typeof setInterval> | undefined;
  #users = 0;

  use(): () => void {
    if (this.#users++ === 0) this.#timer = setInterval(() => (this.value = new Date()), 15_000);
    return () => {
      if (--this.#users === 0) clearInterval(this.#timer);
    };
  }
}

export const now = new Now();
