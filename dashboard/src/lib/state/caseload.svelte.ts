import { SvelteMap } from 'svelte/reactivity';
import type { AlertWire } from '$wire/live.dto';
import { byRisk, matchesRisk, matchesSearch, matchesTeam, type RankedPatient, type RiskFilter, sameRank } from '../domain/caseload.js';
import { mergeRow, type Row, toRow, type WireRow, withAlert } from '../domain/rows.js';
import { TILE_VITALS } from '../domain/vitals.js';
import { DuringLoad } from './during-load.js';

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
 * the list), and a changed row keeps its unchanged parts (mergeRow), so a tile redoes only what
 * changed. The order is recomputed only when a row's place in it may have changed (a new row,
 * or one of byRisk's keys), and only while `frozen` is false, so a tile under the user's pointer
 * never moves; releasing the freeze applies the order that was held back.
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
  #visible: string[] = [];
  #duringLoad = new DuringLoad<{ rows?: WireRow[]; alerts?: AlertWire[] }>();

  /** `compare` orders the rows (byRisk; a spec counts its calls). */
  constructor(private readonly compare: (a: RankedPatient, b: RankedPatient) => number = byRisk) {}

  /** The order's patients that pass the filters; the same array as long as they are the same. */
  visible = $derived.by(() => {
    const { query, team, risk } = this;
    if (query.trim() === '' && team === 'all' && risk === 'all') return (this.#visible = this.order);
    const next = this.order.filter((id) => {
      const row = this.rows.get(id);
      return row !== undefined && matchesSearch(row, query) && matchesTeam(row, team) && matchesRisk(row, risk);
    });
    if (next.length !== this.#visible.length || next.some((id, i) => id !== this.#visible[i])) this.#visible = next;
    return this.#visible;
  });

  get frozen(): boolean {
    return this.#frozen;
  }

  set frozen(value: boolean) {
    this.#frozen = value;
    if (!value && this.#orderStale) this.#sort();
  }

  /** Call before fetching the caseload; `load` with what the server gave (or `failLoad`). */
  beginLoad(): void {
    this.#duringLoad.begin();
  }

  /** The fetched rows, then the live changes that arrived while they were fetched. */
  load(rows: WireRow[]): void {
    const pending = this.#duringLoad.end();
    this.rows.clear();
    this.sparks.clear();
    for (const wire of rows) this.#put(toRow(wire));
    for (const changes of pending) this.apply(changes);
    this.loaded = true;
    this.error = undefined;
    this.#sort(true);
  }

  failLoad(message: string): void {
    this.#duringLoad.end();
    this.error = message;
  }

  /** A frame's worth of live changes: rows from overview ticks and alerts, applied together. */
  apply(changes: { rows?: WireRow[]; alerts?: AlertWire[] }): void {
    this.#duringLoad.note(changes);
    let reorder = false;
    for (const wire of changes.rows ?? []) {
      const previous = this.rows.get(wire.id);
      reorder = this.#put(mergeRow(previous, toRow(wire, previous)), previous) || reorder;
    }
    for (const alert of changes.alerts ?? []) {
      const row = this.rows.get(alert.patientId);
      if (row) reorder = this.#put(withAlert(row, alert), row) || reorder;
    }
    if (reorder) this.#sort();
  }

  /** Stores a row (unless it is the one stored) and its sparkline; true when its place in the order may have changed. */
  #put(row: Row, previous?: Row): boolean {
    if (row === previous) return false;
    this.rows.set(row.id, row);
    this.#spark(row);
    return !previous || !sameRank(previous, row);
  }

  #spark(row: Row): void {
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
    const next = [...this.rows.values()].sort(this.compare).map((r) => r.id);
    if (next.length !== this.order.length || next.some((id, i) => id !== this.order[i])) this.order = next;
  }

  teams(): string[] {
    return [...new Set([...this.rows.values()].map((r) => r.teamId))];
  }
}

export const caseload = new CaseloadState();
