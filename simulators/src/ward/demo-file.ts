import fs from 'node:fs';
import { DEVICE_KIND_CODES, type DeviceKind } from '@vigil/server/domain/device-kinds.js';
import type { DemoWard } from '@vigil/server/repositories/demo-ward.repository.js';
import type { WardPatient } from './plan.js';

/** The patients of `seed demo`'s ward, from its DATA_DIR/demo.json (see DemoWardRepository). */
export function readDemoFile(file: string): WardPatient[] {
  let parsed: Partial<DemoWard>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DemoWard>;
  } catch (error) {
    throw new Error(`cannot read the demo ward from ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(parsed.patients)) throw new Error(`${file} is not a demo ward (no "patients"); create one with: npm run -s vigil -- seed demo`);
  return parsed.patients.map((p) => ({
    ...p,
    devices: p.devices.map((d) => {
      if (!DEVICE_KIND_CODES.includes(d.kind as DeviceKind)) throw new Error(`${file}: unknown device kind "${d.kind}"`);
      return { ...d, kind: d.kind as DeviceKind };
    }),
  }));
}
