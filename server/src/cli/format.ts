import type { ExportReport } from './mosquitto-export.js';

/** Plain-text output of the operator commands (without --json). */
export function formatHuman(command: string, result: unknown): string {
  if (command === 'migrate') {
    const { applied } = result as { applied: string[] };
    return applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n';
  }
  if (command === 'seed demo') {
    const ward = result as { teamId: string; users: Array<{ email: string; role: string; password: string; totpSecret: string }>; patients: unknown[] };
    const users = ward.users.map((u) => `  ${u.role.padEnd(11)} ${u.email}  password ${u.password}  TOTP secret ${u.totpSecret}`);
    return [`demo ward ${ward.teamId}: ${ward.patients.length} patients`, ...users, ''].join('\n');
  }
  if (command === 'mosquitto export') return formatExport(result as ExportReport);
  return (
    Object.entries(result as Record<string, unknown>)
      .map(([key, value]) => `${key}: ${value instanceof Object ? JSON.stringify(value) : String(value)}`)
      .join('\n') + '\n'
  );
}

function formatExport(report: ExportReport): string {
  const out = [`wrote ${report.passwd} (the server user and ${report.devices} device(s)) and ${report.acl}`];
  if (report.skipped.length) {
    out.push(`skipped ${report.skipped.length} device(s) that cannot connect to Mosquitto yet:`);
    for (const device of report.skipped) out.push(`  ${device.id} (${device.kind}, patient ${device.patientId ?? 'none'}): ${device.reason}`);
  }
  out.push('Mosquitto reads the files at start and on SIGHUP: docker compose kill -s SIGHUP mosquitto (or kill -HUP <pid>)');
  return `${out.join('\n')}\n`;
}
