import { type LoggerService, Logger } from '@nestjs/common';
import type { DestinationStream } from 'pino';

/** Where test/support/quiet-environment.cjs holds a test's log lines (absent under another environment). */
const hold = (globalThis as { __vigilTestLog?: (line: string) => void }).__vigilTestLog;

/** A pino destination that hands each line to the quiet environment (or stdout without it). */
export const testLogDestination: DestinationStream = {
  write: (line: string) => (hold ? hold(line) : process.stdout.write(line)),
};

const nestLine =
  (level: string) =>
  (message: unknown, ...rest: unknown[]) =>
    testLogDestination.write(`${level} ${[message, ...rest].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}\n`);

/** Nest's logger for code a test builds without the platform (whose pino logger replaces it). */
const nestLogger: LoggerService = {
  log: nestLine('LOG'),
  error: nestLine('ERROR'),
  warn: nestLine('WARN'),
  debug: nestLine('DEBUG'),
  verbose: nestLine('VERBOSE'),
  fatal: nestLine('FATAL'),
};

if (hold) Logger.overrideLogger(nestLogger);
