import type { AppConfig } from './config/app.config.js';
import type { Platform } from './platform.js';

/** What a newcomer needs after `npm start`: where things are and how to sign in. */
export function banner(platform: Platform, config: AppConfig): string {
  const { urls, embedded, dialect } = platform;
  const lines = [
    '',
    'Vigil is running.',
    `  Dashboard    ${urls.http}`,
    `  MQTT broker  ${urls.broker}${embedded.broker ? ' (embedded)' : ''}` +
      (platform.brokerMovedFrom ? `  (port ${platform.brokerMovedFrom} was taken)` : ''),
    `  Database     ${dialect === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL (no TimescaleDB)'}` +
      (embedded.database ? ` (embedded, in ${config.dataDir})` : ''),
    `  API docs     ${urls.http}/api/docs`,
    '  Sign in      create a user: npm run -s vigil -- user create --email you@example.org --name "Your Name" --role clinician --team <team id>',
    '               then add the printed TOTP secret to an authenticator app (password + one-time code).',
    '  Stop         Ctrl-C',
    '',
  ];
  return lines.join('\n') + '\n';
}
