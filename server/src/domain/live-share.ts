import type { LiveShare, LiveShareWire } from '../dtos/live-share.dto.js';
import type { SharedReading } from './live-stream.js';

type ReadingsWire = Extract<LiveShareWire, { kind: 'readings.v2' }>;

/**
 * A share in the form it crosses Redis. A 5,000-row batch as tuples was 513 KB of JSON and
 * 2.3–2.6 ms to stringify and parse; by column with each id once it is about a quarter of that
 * (docs/benchmarks.md, issue 11).
 */
export function toWire(share: LiveShare): LiveShareWire {
  if (share.kind !== 'readings') return share;
  const ids = { patients: new Map<string, number>(), devices: new Map<string, number>(), metrics: new Map<string, number>() };
  const indexOf = (list: Map<string, number>, id: string) => {
    let at = list.get(id);
    if (at === undefined) list.set(id, (at = list.size));
    return at;
  };
  const rows = share.rows;
  const base = rows.length ? rows[0][0] : 0;
  const wire: ReadingsWire = { kind: 'readings.v2', base, patients: [], devices: [], metrics: [], time: [], patient: [], device: [], metric: [], value: [] };
  for (const [time, patientId, deviceId, metric, value] of rows) {
    wire.time.push(time - base);
    wire.patient.push(indexOf(ids.patients, patientId));
    wire.device.push(indexOf(ids.devices, deviceId));
    wire.metric.push(indexOf(ids.metrics, metric));
    wire.value.push(value);
  }
  wire.patients = [...ids.patients.keys()];
  wire.devices = [...ids.devices.keys()];
  wire.metrics = [...ids.metrics.keys()];
  return wire;
}

/** The share a wire message holds, or why it holds none (columns of unequal length, an index past its list). */
export function fromWire(wire: LiveShareWire): LiveShare | { error: string } {
  if (wire.kind !== 'readings.v2') return wire;
  const count = wire.time.length;
  for (const column of ['patient', 'device', 'metric', 'value'] as const) {
    if (wire[column].length !== count) return { error: `column ${column} has ${wire[column].length} rows, time has ${count}` };
  }
  const rows = new Array<SharedReading>(count);
  for (let i = 0; i < count; i++) {
    const patientId = wire.patients[wire.patient[i]];
    const deviceId = wire.devices[wire.device[i]];
    const metric = wire.metrics[wire.metric[i]];
    if (patientId === undefined || deviceId === undefined || metric === undefined) return { error: `row ${i} names an id past its list` };
    rows[i] = [wire.base + wire.time[i], patientId, deviceId, metric, wire.value[i]];
  }
  return { kind: 'readings', rows };
}
