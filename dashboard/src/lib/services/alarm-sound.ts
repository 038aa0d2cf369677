import { BURST_INTERVAL_SECONDS, highPriorityBurst, PULSE_HZ } from '../domain/inbox.js';

/**
 * The inbox alarm's sound, made with Web Audio (no sound file): the IEC 60601-1-8 high-priority
 * burst (domain/inbox.ts), repeated while it sounds. Browsers start audio only after the user
 * has interacted with the page: until then `blocked` is true and the alarm bar offers a button,
 * whose tap calls `unlock()`. Phones that vibrate also vibrate the burst's rhythm.
 */
export class AlarmSound {
  #context: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #onBlocked: (blocked: boolean) => void;

  constructor(onBlocked: (blocked: boolean) => void) {
    this.#onBlocked = onBlocked;
  }

  get playing(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#burst();
    this.#timer = setInterval(() => this.#burst(), BURST_INTERVAL_SECONDS * 1000);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    navigator.vibrate?.(0);
  }

  /** From a tap: browsers let audio start inside a user gesture. */
  async unlock(): Promise<void> {
    const context = this.#audio();
    if (context) await context.resume().catch(() => undefined);
    this.#onBlocked(context?.state !== 'running');
    if (this.playing) this.#burst();
  }

  #audio(): AudioContext | undefined {
    if (typeof AudioContext === 'undefined') return undefined;
    this.#context ??= new AudioContext();
    return this.#context;
  }

  #burst(): void {
    const pulses = highPriorityBurst();
    const ms = (seconds: number) => Math.round(seconds * 1000);
    // vibrate(): on for a pulse, off until the next one.
    navigator.vibrate?.(pulses.flatMap((p, i) => (i + 1 < pulses.length ? [ms(p.duration), ms(pulses[i + 1].at - p.at - p.duration)] : [ms(p.duration)])));
    const context = this.#audio();
    if (!context) return this.#onBlocked(true);
    if (context.state !== 'running') void context.resume().catch(() => undefined);
    this.#onBlocked(context.state !== 'running');
    const start = context.currentTime + 0.05;
    for (const pulse of pulses) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'triangle';
      oscillator.frequency.value = PULSE_HZ;
      // A short ramp at each edge: no click, and the pulse keeps its length (IEC 60601-1-8 rise and fall times).
      const at = start + pulse.at;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.5, at + 0.015);
      gain.gain.setValueAtTime(0.5, at + pulse.duration - 0.015);
      gain.gain.linearRampToValueAtTime(0, at + pulse.duration);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + pulse.duration);
    }
  }
}
