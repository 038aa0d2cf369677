/**
 * The live status line. On a terminal it rewrites one line in place every second; elsewhere
 * (a log file, CI, the server's demo child) it prints a plain line every few seconds. Other
 * messages go through `log`, which keeps them from tearing the line.
 */
export interface StatusOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const FIRST_LINE_MS = 5000;

export class StatusPrinter {
  private timer?: NodeJS.Timeout;
  private shown = false;

  constructor(
    private readonly out: StatusOutput,
    private readonly line: () => string,
    private readonly intervalMs = out.isTTY ? 1000 : 5000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.print(), this.intervalMs);
    this.timer.unref();
    // A first line soon, even when the interval is long (the demo's log), so a reader sees it working.
    if (this.intervalMs > FIRST_LINE_MS) setTimeout(() => this.timer && this.print(), FIRST_LINE_MS).unref();
  }

  /** Prints the line once more (the final state) and stops. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.print();
    if (this.out.isTTY && this.shown) this.out.write('\n');
    this.shown = false;
  }

  log(message: string): void {
    if (this.out.isTTY && this.shown) this.out.write('\r\x1b[2K');
    this.out.write(`${message}\n`);
    if (this.out.isTTY && this.shown) this.out.write(this.line());
  }

  private print(): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${this.line()}`);
      this.shown = true;
    } else {
      this.out.write(`${this.line()}\n`);
    }
  }
}
