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
  return (
    Object.entries(result as Record<string, unknown>)
      .map(([key, value]) => `${key}: ${value instanceof Object ? JSON.stringify(value) : String(value)}`)
      .join('\n') + '\n'
  );
}
