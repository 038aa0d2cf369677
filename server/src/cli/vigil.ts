#!/usr/bin/env node
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Command, Option } from 'commander';
import { type AppConfig, ConfigError, loadConfig } from '../config/app.config.js';
import { CoreModule } from '../core.module.js';
import { sendCommand } from '../embedded/control-server.js';
import { DataDirLock, readLock } from '../embedded/data-dir-lock.js';
import { startEmbeddedDatabase } from '../embedded/embedded-database.js';
import { DomainError, InvalidInputError } from '../domain/errors.js';
import { describeError } from '../platform.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { MigrationService } from '../services/migration.service.js';
import { OperatorService } from '../services/operator.service.js';
import { formatHuman } from './format.js';

/**
 * The operator CLI: `npm run -s vigil -- <command>`, JSON with `--json`.
 * Where it runs a command: against DATABASE_URL when set; else through the running embedded
 * server (which owns the PGlite folder); else on the stopped data folder, opened here.
 */

class UsageError extends Error {}

async function runLocally(config: AppConfig, db: DatabaseRepository, command: string, args: unknown): Promise<unknown> {
  const context = await NestFactory.createApplicationContext(CoreModule.forRoot(config, db), { logger: false });
  try {
    const { dialect } = await db.detectDialect();
    const applied = await context.get(MigrationService).migrate(dialect);
    if (command === 'migrate') return { applied };
    return await context.get(OperatorService).execute(command, args);
  } finally {
    await context.close();
  }
}

async function execute(command: string, args: Record<string, unknown>): Promise<unknown> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('\n'));
    throw error;
  }
  if (config.database.url) {
    const db = DatabaseRepository.connect(config.database.url, { max: 2, applicationName: 'vigil-cli' });
    try {
      return await runLocally(config, db, command, args);
    } finally {
      await db.close();
    }
  }
  const holder = readLock(config.dataDir);
  if (holder?.role === 'server' && holder.control) {
    try {
      return await sendCommand(holder.control, command, args);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 400) throw new InvalidInputError((error as Error).message);
      if (status && status < 500) throw new DomainError((error as Error).message);
      throw error;
    }
  }
  const lock = await DataDirLock.acquire(config.dataDir, 'cli', 15_000);
  try {
    const embedded = await startEmbeddedDatabase(config.dataDir);
    const db = DatabaseRepository.connect(embedded.url, { max: 1, applicationName: 'vigil-cli' });
    try {
      return await runLocally(config, db, command, args);
    } finally {
      await db.close();
      await embedded.stop();
    }
  } finally {
    lock.release();
  }
}

const program = new Command('vigil')
  .description('Vigil operator commands')
  .addOption(new Option('--json', 'print the result as JSON'))
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride();

function action(command: string, pick: (options: Record<string, unknown>) => Record<string, unknown> = (o) => o) {
  return async (options: Record<string, unknown>) => {
    const { json } = program.opts<{ json?: boolean }>();
    const result = await execute(command, pick(options));
    process.stdout.write(json ? `${JSON.stringify(result)}\n` : formatHuman(command, result));
  };
}

program.command('migrate').description('apply pending database migrations').action(action('migrate'));

program
  .command('team')
  .description('care teams')
  .command('create')
  .requiredOption('--name <name>', 'team name')
  .action(action('team create'));

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

program
  .command('seed')
  .description('sample data')
  .command('demo')
  .option('--patients <n>', 'number of demo patients', '20')
  .action(action('seed demo'));

program.command('status').description('what is stored').action(action('status'));

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
