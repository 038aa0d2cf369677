/**
 * Pure rules of the live stream (docs/architecture.md, "Live and alerts contract"): how
 * committed readings become `reading.batch.v1` samples, how a gap fill and the live data that
 * arrived while it ran are merged without sending any value twice, and the stream's limits.
 * No socket.io, clock or database here: LiveStreamService applies them.
 */

/** A sample as `reading.batch.v1` carries it: every metric one device measured at one time. */
export interface LiveSample {
  t: string;
  deviceId: string;
  m: Record<string, number>;
}

/** A committed reading as it travels between instances: [epoch ms, patient, device, metric, value]. */
export type SharedReading = [time: number, patientId: string, deviceId: string, metric: string, value: number];

export const LIVE_LIMITS = {
  /** A room is sent at most one `reading.batch.v1` per 250 ms (4 a second); a quiet room's next sample at once. */
  flushMs: 250,
  /** `overview.tick.v1` at most once a second per team. */
  overviewTickMs: 1000,
  /** A gap fill sends at most this many stored readings; past it the client is told to refetch history. */
  gapFillMaxReadings: 20_000,
  /** Samples per `reading.batch.v1` of a gap fill (live batches carry whatever arrived since the room's last). */
  gapFillChunkSamples: 1000,
} as const;

/** The unique key of one stored value, as the database's (device, metric, time). */
export const valueKey = (deviceId: string, metric: string, ms: number) => `${deviceId}|${metric}|${ms}`;

/**
 * Readings grouped into samples per patient, one sample per (device, time) holding every
 * metric, in the order the readings came (ingest order within a batch, oldest first per device).
 * Only for the patients `want` accepts (asked once per patient): the others' readings are skipped.
 */
export function samplesByPatient(readings: readonly SharedReading[], want: (patientId: string) => boolean = () => true): Map<string, LiveSample[]> {
  const byPatient = new Map<string, Map<string, LiveSample> | null>();
  for (const [time, patientId, deviceId, metric, value] of readings) {
    let samples = byPatient.get(patientId);
    if (samples === undefined) byPatient.set(patientId, (samples = want(patientId) ? new Map<string, LiveSample>() : null));
    if (!samples) continue;
    const key = `${deviceId}|${time}`;
    let sample = samples.get(key);
    if (!sample) samples.set(key, (sample = { t: new Date(time).toISOString(), deviceId, m: {} }));
    sample.m[metric] = value;
  }
  const result = new Map<string, LiveSample[]>();
  for (const [patientId, samples] of byPatient) if (samples) result.set(patientId, [...samples.values()]);
  return result;
}

/** Every (device, metric, time) a list of samples holds. */
export function valueKeys(samples: readonly LiveSample[]): Set<string> {
  const keys = new Set<string>();
  for (const sample of samples) {
    const ms = Date.parse(sample.t);
    for (const metric of Object.keys(sample.m)) keys.add(valueKey(sample.deviceId, metric, ms));
  }
  return keys;
}

/** `samples` without the values already in `sent`; samples left empty are dropped. */
export function unsent(samples: readonly LiveSample[], sent: ReadonlySet<string>): LiveSample[] {
  const result: LiveSample[] = [];
  for (const sample of samples) {
    const ms = Date.parse(sample.t);
    const m = Object.fromEntries(Object.entries(sample.m).filter(([metric]) => !sent.has(valueKey(sample.deviceId, metric, ms))));
    if (Object.keys(m).length) result.push({ ...sample, m });
  }
  return result;
}

/** Splits a list into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
