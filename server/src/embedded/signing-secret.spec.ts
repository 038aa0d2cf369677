import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/app.config.js';
import { resolveSigningSecret } from './signing-secret.js';

describe('the access-token signing key', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secret-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('is VIGIL_SECRET when given', () => {
    const config = loadConfig({ VIGIL_SECRET: 's'.repeat(40), DATABASE_URL: 'postgres://db/vigil' });
    expect(resolveSigningSecret(config).auth.secret).toBe('s'.repeat(40));
  });

  it('is generated once in embedded mode, kept in DATA_DIR readable by the owner only, and the same after a restart', () => {
    const dir = dataDir();
    const first = resolveSigningSecret(loadConfig({ DATA_DIR: dir })).auth.secret!;
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, 'signing-secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveSigningSecret(loadConfig({ DATA_DIR: dir })).auth.secret).toBe(first);
    expect(resolveSigningSecret(loadConfig({ DATA_DIR: dataDir() })).auth.secret).not.toBe(first);
  });

  it('must be given with DATABASE_URL (instances share it), and the message names the variable', () => {
    expect(() => resolveSigningSecret(loadConfig({ DATABASE_URL: 'postgres://db/vigil', DATA_DIR: dataDir() }))).toThrow(
      /^VIGIL_SECRET: required when DATABASE_URL is set/,
    );
  });
});
