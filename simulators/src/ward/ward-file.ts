import fs from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@vigil/server/embedded/files.js';
import type { WardPatient } from './plan.js';

/**
 * What the simulators provisioned, with the device secrets (shown once by `device create`),
 * kept so that the next run reuses the same patients and devices: the same client ids and
 * persistent sessions, and no pile of new patients on the dashboard after every run.
 */
export interface WardFile {
  version: 1;
  teamId?: string;
  patients: WardPatient[];
  /** Load mode's devices, grouped under a few load-test patients. */
  load: { patients: Array<{ id: string; devices: Array<{ id: string; secret: string }> }> };
}

export class WardStore {
  constructor(readonly file: string) {}

  read(): WardFile {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<WardFile>;
      return { version: 1, teamId: parsed.teamId, patients: parsed.patients ?? [], load: parsed.load ?? { patients: [] } };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${this.file}: ${(error as Error).message}`);
      return { version: 1, patients: [], load: { patients: [] } };
    }
  }

  /** Written after every creation, so a failed run never loses a secret it was shown. */
  write(ward: WardFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    replaceFile(this.file, JSON.stringify(ward, null, 2), 0o600);
  }
}
