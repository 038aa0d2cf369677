import { SvelteMap } from 'svelte/reactivity';
import type { AlertWire } from '$wire/live.dto';
import { inboxSections, soundingIds } from '../domain/inbox.js';
import { DuringLoad } from './during-load.js';

/**
 * The care worker's inbox: the alerts of the user's teams that are not resolved, kept live by
 * `alert.v1` (rules and order in domain/inbox.ts). A live change that arrives while the list is
 * being fetched is applied after the fetched list, so a slow fetch cannot undo it.
 */
export class InboxState {
  alerts = new SvelteMap<string, AlertWire>();
  userId = $state<string | undefined>();
  loaded = $state(false);
  error = $state<string | undefined>();
  sections = $derived(inboxSections(this.alerts.values(), this.userId));
  sounding = $derived(soundingIds(this.alerts.values()));
  #duringLoad = new DuringLoad<AlertWire>();

  /** Call before fetching; `finish` with what the server gave. */
  beginLoad(): void {
    this.#duringLoad.begin();
  }

  finishLoad(alerts: AlertWire[]): void {
    const pending = this.#duringLoad.end();
    this.alerts.clear();
    for (const alert of alerts) this.apply(alert);
    for (const alert of pending) this.apply(alert);
    this.loaded = true;
    this.error = undefined;
  }

  failLoad(message: string): void {
    this.#duringLoad.end();
    this.error = message;
  }

  apply(alert: AlertWire): void {
    this.#duringLoad.note(alert);
    if (alert.state === 'resolved') this.alerts.delete(alert.id);
    else this.alerts.set(alert.id, alert);
  }

  clear(): void {
    this.alerts.clear();
    this.loaded = false;
    this.userId = undefined;
  }
}

export const inbox = new InboxState();
