import type { AppConfig } from './config/app.config.js';
import type { Platform } from './platform.js';

/** What a newcomer needs after `npm start`: where things are and how to sign in. */
export function banner(platform: Platform, config: AppConfig): string {
  const { urls, embedded, dialect, demo } = platform;
  const lines = [
    '',
    'Vigil is running.',
    `  Dashboard    ${urls.http}`,
    `  MQTT broker  ${urls.broker}${embedded.broker ? ' (embedded)' : ''}` + (platform.brokerMovedFrom ? `  (port ${platform.brokerMovedFrom} was taken)` : ''),
    `  Database     ${dialect === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL (no TimescaleDB)'}` +
      (embedded.database ? ` (embedded, in ${config.dataDir})` : ''),
    `  API docs     ${urls.http}/api/docs`,
    ...(demo ? demoLines(demo) : []),
    ...(demo?.clinician
      ? [
          `  Sign in      ${demo.clinician.email}, password ${demo.clinician.password}`,
          `               one-time code: npm run -s vigil -- demo code   (every demo credential is in ${demo.demoFile})`,
        ]
      : [
          '  Sign in      create a user: npm run -s vigil -- user create --email you@example.org --name "Your Name" --role clinician --team <team id>',
          '               then add the printed TOTP secret to an authenticator app (password + one-time code).',
        ]),
    '  Stop         Ctrl-C',
    '',
  ];
  return lines.join('\n') + '\n';
}

function demoLines(demo: NonNullable<Platform['demo']>): string[] {
  const { replay, careStaff } = demo;
  return [
    `  Demo         ${demo.patients} simulated homes${demo.seeded ? ' (demo ward just created)' : ''}; their log: ${demo.logFile}`,
    ...(replay
      ? [
          `               replaying the ${replay.minutes} simulated minutes before now at ×${replay.speed} (real time after ${replay.catchUpSeconds} s):`,
          '               within two minutes real alerts: a NEWS2 rising to medium then high, a fall, a door opened last night',
        ]
      : ['               in real time (VIGIL_DEMO_SPEED=1): alerts come as the scenarios play out, over hours']),
    '               turn the demo off with VIGIL_DEMO=off',
    ...(careStaff
      ? [
          `  Alerts       reach the care-staff inbox of ${careStaff.email}, password ${careStaff.password}`,
          `               (GET /api/alerts, socket alert.v1; one-time code: npm run -s vigil -- demo code --email ${careStaff.email})`,
        ]
      : []),
  ];
}
