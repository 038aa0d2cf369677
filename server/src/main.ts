import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app.config.js';
import { RedisNotInstalledError } from './embedded/embedded-redis.js';
import { BrokerPortTakenError } from './embedded/embedded-broker.js';
import { createLogger, logFormat } from './logger.js';
import { type Platform, startPlatform } from './platform.js';
import { banner } from './banner.js';

const STOP_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`vigil: configuration error: ${problem}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger(config.logLevel, undefined, logFormat(config.log.format, config.log.production, Boolean(process.stdout.isTTY)));

  let platform: Platform;
  try {
    platform = await startPlatform(config, logger);
  } catch (error) {
    const known = error instanceof RedisNotInstalledError || error instanceof BrokerPortTakenError;
    logger.fatal({ err: known ? undefined : error }, (error as Error).message);
    process.stderr.write(`vigil: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stderr.write(banner(platform, config));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: flushing pending work');
    const deadline = setTimeout(() => {
      logger.error('did not stop within 10 s; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    platform.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
