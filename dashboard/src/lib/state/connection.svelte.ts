/**
 * The live connection as the layout shows it: `since` is when live data last flowed, so a
 * banner can say what may be stale. Starts as "never connected".
 */
export class ConnectionState {
  online = $state(false);
  since = $state<Date | undefined>();
  everConnected = $state(false);

  connected(): void {
    this.online = true;
    this.everConnected = true;
    this.since = undefined;
  }

  disconnected(now = new Date()): void {
    if (this.online) this.since = now;
    this.online = false;
  }

  reset(): void {
    this.online = false;
    this.everConnected = false;
    this.since = undefined;
  }
}

export const connection = new ConnectionState();
