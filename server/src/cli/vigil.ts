#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { loadOperatorConfig, UsageError } from '../config/operator-config.js';
import { DomainError, InvalidInputError } from '../domain/errors.js';
import { describeError } from '../domain/error-status.js';
import type { MosquittoExport } from '../services/mosquitto-export.service.js';
import { formatHuman } from './format.js';
import { type ExportOptions, serverCredentials, writeMosquittoFiles } from './mosquitto-export.js';
import { openOperatorSession } from './operator-session.js';
import { retireSession } from './retire-session.js';

/**
 * The operator CLI: `npm run -s vigil -- <command>`, JSON with `--json`.
 * Where it runs a command: against DATABASE_URL when set; else through the running embedded
 * server (which owns the PGlite folder); else on the stopped data folder, opened here.
 */

async function execute(command: string, args: Record<string, unknown>, config = loadOperatorConfig(process.env)): Promise<unknown> {
  const session = await openOperatorSession(config, { applicationName: 'vigil-cli' });
  try {
    return await session.run(command, args);
  } finally {
    await session.close();
  }
}

const program = new Command('vigil')
  .description('Vigil operator commands')
  .addOption(new Option('--json', 'print the result as JSON'))
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride();

function print(command: string, result: unknown): void {
  const { json } = program.opts<{ json?: boolean }>();
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : formatHuman(command, result));
}

function action(command: string, pick: (options: Record<string, unknown>) => Record<string, unknown> = (o) => o) {
  return async (options: Record<string, unknown>) => print(command, await execute(command, pick(options)));
}

program.command('migrate').description('apply pending database migrations').action(action('migrate'));

program.command('team').description('care teams').command('create').requiredOption('--name <name>', 'team name').action(action('team create'));

program
  .command('user')
  .description('staff accounts')
  .command('create')
  .requiredOption('--email <email>', 'sign-in e-mail')
  .requiredOption('--name <name>', 'full name')
  .requiredOption('--role <role>', 'admin | clinician | care_staff')
  .option('--team <id>', 'care team to join')
  .option('--password <password>', 'initial password (one is generated and printed when omitted)')
  .action(action('user create'));

program
  .command('patient')
  .description('citizens monitored at home')
  .command('create')
  .requiredOption('--name <name>', 'full name')
  .requiredOption('--team <id>', 'care team')
  .option('--spo2-scale <scale>', 'NEWS2 SpO2 scale: 1, or 2 for hypercapnic respiratory failure', '1')
  .action(action('patient create'));

program
  .command('device')
  .description('home devices')
  .command('create')
  .requiredOption('--patient <id>', 'patient the device belongs to')
  .requiredOption('--kind <kind>', 'device kind, e.g. pulse_oximeter')
  .action(action('device create'));

program.command('seed').description('sample data').command('demo').option('--patients <n>', 'number of demo patients', '20').action(action('seed demo'));

program.command('status').description('what is stored').action(action('status'));

program
  .command('threshold')
  .description('alert thresholds')
  .command('set')
  .description("set a patient's bands for one metric: outside yellow is a medium alert, outside red a high one")
  .requiredOption('--patient <id>', 'patient')
  .requiredOption('--metric <code>', 'metric code, e.g. spo2')
  .option('--red-low <x>', 'high alert below this')
  .option('--yellow-low <x>', 'medium alert below this')
  .option('--yellow-high <x>', 'medium alert above this')
  .option('--red-high <x>', 'high alert above this')
  .option('--sustained-seconds <s>', 'a breach must last this long before it raises', '0')
  .option('--clear-margin <x>', 'hysteresis: back inside the bands by this much to clear', '0')
  .option('--clear-after-seconds <s>', 'hysteresis: and for this long', '0')
  .action(action('threshold set'));

program
  .command('escalation')
  .description('alert escalation')
  .command('set')
  .description("set a team's escalation chain")
  .requiredOption('--team <id>', 'care team')
  .requiredOption('--levels <chain>', 'role or user e-mail @ seconds after opening, e.g. "care_staff@0,clinician@120"')
  .option('--repeats <n>', 'times the whole chain repeats when nobody answers (0–10)')
  .action(action('escalation set'));

program
  .command('mosquitto')
  .description('files for an external Mosquitto broker')
  .command('export')
  .description("write Mosquitto's password file (the server user and every device that is not revoked) and ACL")
  .requiredOption('--dir <folder>', 'where to write passwd (mode 0600) and acl')
  .option('--server-user <name>', "the Vigil server's MQTT user (default: the user in MQTT_URL, else vigil-server)")
  .option('--server-password-file <file>', "file holding that user's password, - for standard input (default: the password in MQTT_URL)")
  .action(async (options: ExportOptions) => {
    const config = loadOperatorConfig(process.env);
    const credentials = serverCredentials(options, config.mqtt.url);
    const exported = (await execute('mosquitto export', credentials, config)) as MosquittoExport;
    print('mosquitto export', writeMosquittoFiles(options.dir, exported));
  });

program
  .command('mqtt')
  .description("the server's sessions on an external broker")
  .command('retire')
  .description(
    'end a shared-group session no instance uses any more (an instance removed, or its VIGIL_MQTT_CLIENT_ID changed): ' +
      'its queued messages are stored first, then the session is ended with expiry 0. Needs DATABASE_URL, REDIS_URL and MQTT_URL',
  )
  .requiredOption('--client-id <id>', "the session's client id (e.g. vigil-server-3, or vigil-server-1-4 for a further connection)")
  .option('--quiet-seconds <s>', 'done once nothing arrived for this long', '5')
  .action(async (options: { clientId: string; quietSeconds: string }) => {
    const quiet = Number(options.quietSeconds);
    if (!Number.isFinite(quiet) || quiet <= 0 || quiet > 600) throw new UsageError('--quiet-seconds: expected a number of seconds from 0 to 600');
    print('mqtt retire', await retireSession(loadOperatorConfig(process.env), options.clientId, quiet * 1000));
  });

program
  .command('demo')
  .description('the demo ward')
  .command('code')
  .description('the current one-time code of a demo user (DATA_DIR/demo.json), to sign in without an authenticator app')
  .option('--email <email>', 'demo user (default: the demo clinician)')
  .action(action('demo code'));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const exitCode = (error as { exitCode?: number }).exitCode;
  if (exitCode !== undefined && (error as { code?: string }).code?.startsWith('commander.')) {
    process.exit(exitCode === 0 ? 0 : 2); // help, version, or a usage error commander already printed
  }
  const usage = error instanceof UsageError || error instanceof InvalidInputError;
  const message = error instanceof DomainError || error instanceof UsageError ? error.message : describeError(error).message;
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(usage ? 2 : 1);
}
