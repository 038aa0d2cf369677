#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/app.config.js';
import { openApiDocument, openApiText } from '../openapi.js';

/**
 * `npm run openapi`: writes docs/openapi.json from the code, without a database or Redis:
 * Nest's preview mode reads the module graph and decorators but instantiates nothing.
 * `--check` exits 1 when the committed file differs (CI's drift check runs the same in jest).
 */
export const OPENAPI_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/openapi.json');

export async function generateOpenApi(): Promise<string> {
  const unused = {} as never;
  const config = loadConfig({ VIGIL_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
  const module = AppModule.forRoot({
    config,
    logger: pino({ level: 'silent' }),
    db: unused,
    redis: unused,
    broker: unused,
  });
  const app = await NestFactory.create(module, { preview: true, logger: false, abortOnError: false });
  try {
    return openApiText(openApiDocument(app));
  } finally {
    await app.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const text = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '';
    if (committed !== text) {
      process.stderr.write(`${OPENAPI_FILE} is out of date: run npm run openapi and commit it\n`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(OPENAPI_FILE, text);
    process.stderr.write(`wrote ${OPENAPI_FILE}\n`);
  }
}
