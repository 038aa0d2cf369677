import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { generateSync } from 'otplib';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { replaceFile } from '../embedded/files.js';

/** What the simulators and a newcomer need to use the demo ward: credentials shown once at seeding. */
export interface DemoWard {
  teamId: string;
  users: Array<{ email: string; name: string; role: string; password: string; totpSecret: string }>;
  patients: Array<{
    id: string;
    name: string;
    spo2Scale: 1 | 2;
    devices: Array<{ id: string; kind: string; secret: string }>;
  }>;
}

/** DATA_DIR/demo.json, readable by its owner only. */
@Injectable()
export class DemoWardRepository {
  private readonly file: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.file = path.join(config.dataDir, 'demo.json');
  }

  get location(): string {
    return this.file;
  }

  read(): DemoWard | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as DemoWard;
    } catch {
      return undefined;
    }
  }

  write(ward: DemoWard): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    replaceFile(this.file, JSON.stringify(ward, null, 2), 0o600);
  }

  /**
   * The RFC 6238 code (30 s, 6 digits) of a demo user's TOTP secret at time `at`. Here, and not
   * with the other crypto, so that only the demo ward's own secrets can be turned into codes.
   */
  totpCode(secret: string, at: number): string {
    return generateSync({ secret, epoch: Math.floor(at / 1000) });
  }
}
