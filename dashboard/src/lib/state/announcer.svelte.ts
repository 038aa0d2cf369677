/** The one ARIA live region's text: the newest announcement replaces the last. */
export class Announcer {
  message = $state('');

  say(text: string): void {
    // Clearing first makes a repeat of the same text be announced again.
    this.message = '';
    queueMicrotask(() => (this.message = text));
  }
}

export const announcer = new Announcer();
