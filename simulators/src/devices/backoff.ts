import type { Rng } from '../random.js';

/**
 * Reconnect delays: exponential from `initialMs` up to `maxMs`, with "equal jitter" (half the
 * delay fixed, half random) so that a ward of devices cut off together does not reconnect in
 * lockstep (M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015). Wall
 * time, not simulated time: it paces the network, not the patient.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly random: Rng,
    readonly initialMs = 1000,
    readonly maxMs = 30_000,
    readonly factor = 2,
  ) {}

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    return Math.round(base / 2 + (base / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
