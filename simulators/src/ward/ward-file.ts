import fs from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@vigil/server/embedded/files.js';
import type { WardPatient } from './plan.js';

/**
 * What the simulators provisioned in one database, with the device secrets (shown once by
 * `device create`), kept so that the next run reuses the same patients and devices: the same
 * client ids and persistent sessions, and no pile of new patients on the dashboard after every run.
 */
export interface WardFile {
  version: 1;
  teamId?: string;
  patients: WardPatient[];
  /** Load mode's devices, grouped under a few load-test patients. */
  load: { patients: Array<{ id: string; devices: Array<{ id: string; secret: string }> }> };
}

/**
 * The file: one ward per database, keyed by the database's installation id, so that a run
 * against another (or a reset) database never takes a ward it does not know. A ward file of
 * before (one ward, no key) is `unkeyed`: offered to the next database, which checks it.
 */
interface StoredWards {
  version: 2;
  databases: Record<string, WardFile>;
  unkeyed?: WardFile;
}

const emptyWard = (): WardFile => ({ version: 1, patients: [], load: { patients: [] } });

function asWard(parsed: Partial<WardFile>): WardFile {
  return { version: 1, teamId: parsed.teamId, patients: parsed.patients ?? [], load: parsed.load ?? { patients: [] } };
}

export class WardStore {
  constructor(readonly file: string) {}

  /** The ward kept for this database; else an unkeyed ward of before (still to be checked); else an empty one. */
  read(database: string): WardFile {
    const stored = this.load();
    return stored.databases[database] ?? stored.unkeyed ?? emptyWard();
  }

  /** Written after every creation, so a failed run never loses a secret it was shown. Takes the place of an unkeyed ward. */
  write(database: string, ward: WardFile): void {
    const stored = this.load();
    stored.databases[database] = ward;
    delete stored.unkeyed;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    replaceFile(this.file, JSON.stringify(stored, null, 2), 0o600);
  }

  private load(): StoredWards {
    let parsed: Partial<StoredWards> & Partial<WardFile>;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as typeof parsed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${this.file}: ${(error as Error).message}`);
      return { version: 2, databases: {} };
    }
    if (parsed.version === 2) {
      const databases = Object.fromEntries(Object.entries(parsed.databases ?? {}).map(([id, ward]) => [id, asWard(ward)]));
      return { version: 2, databases, ...(parsed.unkeyed ? { unkeyed: asWard(parsed.unkeyed) } : {}) };
    }
    return { version: 2, databases: {}, unkeyed: asWard(parsed) };
  }
}
