import type { AlertWire } from '$wire/live.dto';
import { appendSamples, type Point, type Series, toColumns } from '../domain/series.js';
import { RANGES, type RangeKey } from '../domain/time.js';
import { DuringLoad } from './during-load.js';

export interface ChartSeries extends Series {
  resolution: 'raw' | '1m' | '1h';
}

type Sample = { t: string; m: Record<string, number> };

/** A series as the history route answers it. */
export interface LoadedSeries {
  metric: string;
  points: readonly Point[];
  resolution: ChartSeries['resolution'];
  bucketSeconds: number;
}

/**
 * One patient's screen: the time window (a range or a zoomed span), a series per vital, and the
 * patient's alerts. Live samples extend raw series of a window that ends now. What arrives live
 * while a list is being fetched (a sample during a history load, an alert during the alerts
 * load) is applied again after the fetched answer, which may predate it.
 */
export class PatientState {
  range = $state<RangeKey>('24h');
  /** A zoomed window in seconds, or undefined for the range ending now. */
  zoom = $state<{ from: number; to: number } | undefined>();
  series = $state<Record<string, ChartSeries>>({});
  alerts = $state<AlertWire[]>([]);
  historyAvailable = $state(true);
  #duringAlertsLoad = new DuringLoad<AlertWire>();
  #duringHistoryLoad = new DuringLoad<readonly Sample[]>();

  window(nowSeconds: number): { from: number; to: number } {
    return this.zoom ?? { from: nowSeconds - RANGES[this.range], to: nowSeconds };
  }

  /** Call before fetching the history; `finishHistoryLoad` with what the server gave. */
  beginHistoryLoad(): void {
    this.#duringHistoryLoad.begin();
  }

  /**
   * The fetched series, then every live sample that arrived while they were fetched: a sample
   * committed after the history query ran is in no answer, and would otherwise vanish from the
   * chart. On a raw series a sample the answer already holds is not added twice (same time);
   * on a bucketed one the last bucket's min and max stay exact, its mean may count it twice.
   */
  finishHistoryLoad(loaded: readonly LoadedSeries[], nowSeconds: number): void {
    const pending = this.#duringHistoryLoad.end();
    for (const { metric, points, resolution, bucketSeconds } of loaded)
      this.series[metric] = { columns: toColumns(points), counts: points.map((p) => p.count ?? 1), bucketSeconds, resolution };
    for (const samples of pending) this.#append(samples, nowSeconds);
  }

  /** Live samples `{t, m: {metric: value}}`, added to the series of a window that ends now. */
  addSamples(samples: readonly Sample[], nowSeconds: number): void {
    this.#duringHistoryLoad.note(samples);
    this.#append(samples, nowSeconds);
  }

  #append(samples: readonly Sample[], nowSeconds: number): void {
    if (this.zoom) return;
    const byMetric = new Map<string, Array<{ t: string; value: number }>>();
    for (const sample of samples)
      for (const [metric, value] of Object.entries(sample.m)) {
        const list = byMetric.get(metric) ?? [];
        list.push({ t: sample.t, value });
        byMetric.set(metric, list);
      }
    const { from } = this.window(nowSeconds);
    for (const [metric, list] of byMetric) {
      const current = this.series[metric] ?? { columns: [[], [], [], []], counts: [], bucketSeconds: 0, resolution: 'raw' };
      this.series[metric] = { ...appendSamples(current, list, from), resolution: current.resolution };
    }
  }

  /** Call before fetching the alerts; `finishAlertsLoad` with what the server gave. */
  beginAlertsLoad(): void {
    this.#duringAlertsLoad.begin();
  }

  /** The fetched list, then every live change that arrived while it was fetched: a slow fetch cannot undo a pushed alert. */
  finishAlertsLoad(alerts: AlertWire[]): void {
    const pending = this.#duringAlertsLoad.end();
    this.alerts = alerts;
    for (const alert of pending) this.upsertAlert(alert);
  }

  upsertAlert(alert: AlertWire): void {
    this.#duringAlertsLoad.note(alert);
    const i = this.alerts.findIndex((a) => a.id === alert.id);
    if (i >= 0) this.alerts[i] = alert;
    else this.alerts = [alert, ...this.alerts];
  }
}
