import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../config/operator-config.js';
import { DEFAULT_SERVER_USER } from '../domain/mosquitto-files.js';
import { urlCredentials } from '../domain/urls.js';
import { replaceFile } from '../embedded/files.js';
import type { MosquittoExport, SkippedDevice } from '../services/mosquitto-export.service.js';

/**
 * The CLI's half of `vigil mosquitto export`: where the server user's password comes from, and
 * writing the two files where the operator asked (the command itself may run in the embedded
 * server, which must not write into the operator's folders).
 */

export interface ExportOptions {
  dir: string;
  serverUser?: string;
  serverPasswordFile?: string;
}

/** What `mosquitto export` prints: where the files went, how many devices, which were left out. */
export interface ExportReport {
  passwd: string;
  acl: string;
  devices: number;
  skipped: SkippedDevice[];
}

/**
 * The server user's name and password, never from this command line (shell history, `ps`):
 * from --server-password-file, else from MQTT_URL, which holds exactly what the server connects
 * with. The name: --server-user, else MQTT_URL's user, else `vigil-server`.
 */
export function serverCredentials(options: ExportOptions, mqttUrl: string | undefined): { serverUser: string; serverPassword: string } {
  const fromUrl = mqttUrl ? urlCredentials(mqttUrl) : undefined;
  const serverUser = options.serverUser ?? fromUrl?.username ?? DEFAULT_SERVER_USER;
  if (options.serverPasswordFile) return { serverUser, serverPassword: readPasswordFile(options.serverPasswordFile) };
  if (fromUrl?.username === serverUser && fromUrl.password) return { serverUser, serverPassword: fromUrl.password };
  throw new UsageError(
    `the password of the server user "${serverUser}" is needed: give --server-password-file <file> ` +
      `(- for standard input), or set MQTT_URL=mqtt://${serverUser}:<password>@<host>:1883 as the server has it`,
  );
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`--server-password-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const password = text.replace(/\r?\n$/, ''); // the newline an editor or `echo` adds is not part of it
  if (!password) throw new UsageError(`--server-password-file: ${file} is empty`);
  return password;
}

/**
 * Writes `passwd` (0600: it holds password hashes) and `acl` into `dir`, each through a temporary
 * file renamed over the old one, so a broker reloading meanwhile reads the old file or the new
 * one, never half of one. Mount the folder into a container, not the single files: a rename
 * replaces the file, which a file bind mount would not follow.
 */
export function writeMosquittoFiles(dir: string, exported: MosquittoExport): ExportReport {
  const folder = path.resolve(dir);
  fs.mkdirSync(folder, { recursive: true, mode: 0o755 });
  const passwd = path.join(folder, 'passwd');
  const acl = path.join(folder, 'acl');
  replaceFile(passwd, exported.passwd, 0o600);
  replaceFile(acl, exported.acl, 0o644); // the broker's user must read it
  return { passwd, acl, devices: exported.devices, skipped: exported.skipped };
}
