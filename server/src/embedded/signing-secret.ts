import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app.config.js';

const FILE = 'signing-secret';

/**
 * The key that signs access tokens. VIGIL_SECRET when set. In embedded mode without it, one
 * is generated once and kept in DATA_DIR (mode 0600), so a restart keeps everyone signed in.
 * With DATABASE_URL, several instances may share the database and each must accept the
 * others' tokens: the key must be given, and the start stops with a message saying so.
 */
export function resolveSigningSecret(config: AppConfig): AppConfig {
  if (config.auth.secret) return config;
  if (config.database.url) {
    throw new Error(
      'VIGIL_SECRET: required when DATABASE_URL is set (every server instance must sign sessions with the same key); ' +
        'set it to a random value of at least 32 characters, e.g. `openssl rand -base64 48`',
    );
  }
  const file = path.join(config.dataDir, FILE);
  let secret: string;
  try {
    secret = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    secret = createOnce(file, config.dataDir);
  }
  if (secret.length < 32) throw new Error(`${file}: the signing key is too short; delete the file to generate a new one`);
  return { ...config, auth: { ...config.auth, secret } };
}

/** Writes a new key unless another process just did ('wx' never overwrites); returns the key in the file. */
function createOnce(file: string, dataDir: string): string {
  const secret = randomBytes(48).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFileSync(file, 'utf8').trim();
  }
}
