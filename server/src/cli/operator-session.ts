import 'reflect-metadata';
import fs from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '../config/app.config.js';
import { CoreModule } from '../core.module.js';
import { errorForStatus } from '../domain/error-status.js';
import { sendCommand } from '../embedded/control-server.js';
import { DataDirLock, readLock } from '../embedded/data-dir-lock.js';
import { embeddedDatabaseFolder, startEmbeddedDatabase } from '../embedded/embedded-database.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { MigrationService } from '../services/migration.service.js';
import { OperatorService } from '../services/operator.service.js';

/**
 * Where operator commands run: against DATABASE_URL when set; else through the running
 * embedded server (which owns the PGlite folder); else on the stopped data folder, opened
 * here. A session opens that place once for any number of commands: the `vigil` CLI runs
 * one, the simulators provision a ward of devices through one.
 */
export interface OperatorSession {
  run(command: string, args: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** The database connection's application_name. */
  applicationName: string;
  /**
   * With false, a stopped DATA_DIR that holds no database is refused instead of given a new
   * one: a tool that only adds to a Vigil (the simulators provisioning devices) would create a
   * database nobody serves, and what it created there would never reach the real one (e.g. in
   * a container of its own).
   */
  createDatabase?: boolean;
}

export async function openOperatorSession(config: AppConfig, { applicationName, createDatabase = true }: SessionOptions): Promise<OperatorSession> {
  if (config.database.url) {
    const db = DatabaseRepository.connect(config.database.url, { max: 2, applicationName });
    return localSession(config, db, () => db.close());
  }
  const holder = readLock(config.dataDir);
  if (holder?.role === 'server' && holder.control) {
    const control = holder.control;
    return { run: (command, args) => throughServer(control, command, args), close: async () => undefined };
  }
  if (!createDatabase && !fs.existsSync(embeddedDatabaseFolder(config.dataDir))) {
    throw new Error(
      `there is no Vigil to provision devices in: no server runs on DATA_DIR ${config.dataDir}, it holds no database, ` +
        'and DATABASE_URL is not set. Start Vigil (npm start), set DATABASE_URL, or run a ward of seed demo with --demo-file.',
    );
  }
  const lock = await DataDirLock.acquire(config.dataDir, 'cli', 15_000);
  try {
    const embedded = await startEmbeddedDatabase(config.dataDir);
    const db = DatabaseRepository.connect(embedded.url, { max: 1, applicationName });
    return await localSession(config, db, async () => {
      try {
        await db.close();
        await embedded.stop();
      } finally {
        lock.release();
      }
    });
  } catch (error) {
    lock.release(); // idempotent: the session's own release may have run already
    throw error;
  }
}

/** Runs commands in this process, migrating first (once), as the server would at start-up. */
async function localSession(config: AppConfig, db: DatabaseRepository, release: () => Promise<void>): Promise<OperatorSession> {
  const context = await NestFactory.createApplicationContext(CoreModule.forRoot(config, db), { logger: false }).catch(async (error: unknown) => {
    await release();
    throw error;
  });
  let migrated: Promise<string[]> | undefined;
  return {
    async run(command, args) {
      migrated ??= db.detectDialect(config.database.dialect).then(({ dialect }) => context.get(MigrationService).migrate(dialect));
      const applied = await migrated;
      if (command === 'migrate') return { applied };
      return context.get(OperatorService).execute(command, args);
    },
    async close() {
      try {
        await context.close();
      } finally {
        await release();
      }
    },
  };
}

/** The server's answer as the error the command would have thrown here (describeError in reverse). */
async function throughServer(control: { port: number; token: string }, command: string, args: unknown): Promise<unknown> {
  try {
    return await sendCommand(control, command, args);
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as Error).message;
    throw (status && errorForStatus(status, message)) || error;
  }
}
