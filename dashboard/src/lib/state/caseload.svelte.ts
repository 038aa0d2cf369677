import { SvelteMap } from 'svelte/reactivity';
import type { AlertWire } from '$wire/live.dto';
import { byRisk, matchesRisk, matchesSearch, matchesTeam, type RiskFilter } from '../domain/caseload.js';
import { type Row, toRow, type WireRow, withAlert } from '../domain/rows.js';
import { TILE_VITALS } from '../domain/vitals.js';

export interface Spark {
  metric: string;
  values: number[];
  /** Time of the newest value (ms), so a repeated row adds no point. */
  lastT: number;
}

/** Values kept per patient for a tile's sparkline. */
export const SPARK_POINTS = 30;

/**
 * The caseload overview's state. Rows live in a map (a live change re-renders one tile, not
 * the list); the order is recomputed only while `frozen` is false, so a tile under the user's
 * pointer never moves; releasing the freeze applies the order that was held back.
 */
export class CaseloadState {
  rows = new SvelteMap<string, Row>();
  order = $state.raw<string[]>([]);
  sparks = new SvelteMap<string, Spark>();
  loaded = $state(false);
  error = $state<string | undefined>();

  query = $state('');
  team = $state<string>('all');
  risk = $state<RiskFilter>('all');

  #frozen = $state(false);
  #orderStale = false;

  visible = $derived(
    this.order.filter((id) => {
      const row = this.rows.get(id);
      return row !== undefined && matchesSearch(row, this.query) && matchesTeam(row, this.team) && matchesRisk(row, this.risk);
    }),
  );

  get frozen(): boolean {
    return this.#frozen;
  }

  set frozen(value: boolean) {
    this.#frozen = value;
    if (!value && this.#orderStale) this.#sort();
  }

  load(rows: WireRow[]): void {
    this.rows.clear();
    this.sparks.clear();
    for (const wire of rows) this.#put(toRow(wire));
    this.loaded = true;
    this.error = undefined;
    this.#sort(true);
  }

  /** A frame's worth of live changes: rows from overview ticks and alerts, applied together. */
  apply(changes: { rows?: WireRow[]; alerts?: AlertWire[] }): void {
    for (const wire of changes.rows ?? []) this.#put(toRow(wire, this.rows.get(wire.id)));
    for (const alert of changes.alerts ?? []) {
      const row = this.rows.get(alert.patientId);
      if (row) this.rows.set(row.id, withAlert(row, alert));
    }
    this.#sort();
  }

  #put(row: Row): void {
    this.rows.set(row.id, row);
    const metric = this.sparks.get(row.id)?.metric ?? TILE_VITALS.find((m) => row.latest[m]) ?? Object.keys(row.latest)[0];
    if (!metric || !row.latest[metric]) return;
    const spark = this.sparks.get(row.id);
    const value = row.latest[metric].value;
    const t = row.latest[metric].t.getTime();
    if (spark?.metric !== metric) this.sparks.set(row.id, { metric, values: [value], lastT: t });
    else if (spark.lastT !== t) this.sparks.set(row.id, { metric, values: [...spark.values, value].slice(-SPARK_POINTS), lastT: t });
  }

  #sort(force = false): void {
    if (this.#frozen && !force) {
      this.#orderStale = true;
      return;
    }
    this.#orderStale = false;
    const next = [...this.rows.values()].sort(byRisk).map((r) => r.id);
    if (next.length !== this.order.length || next.some((id, i) => id !== this.order[i])) this.order = next;
  }

  teams(): string[] {
    return [...new Set([...this.rows.values()].map((r) => r.teamId))];
  }
}

export const caseload = new CaseloadState();
