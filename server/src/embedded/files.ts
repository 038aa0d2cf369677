import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes `file` through a temporary file beside it, renamed over the old one: a reader (a
 * broker reloading, a run starting) finds the old file or the new one, never half of one, and
 * a crash leaves no torn file behind. `mode` holds whatever the umask says (0600 for secrets,
 * 0644 for what another user must read).
 */
export function replaceFile(file: string, content: string, mode: number): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.rmSync(temporary, { force: true }); // left by a run that died here
    fs.writeFileSync(temporary, content, { mode, flag: 'wx' });
    fs.chmodSync(temporary, mode);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
