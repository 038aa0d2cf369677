import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Options } from 'pino-http';
import type { LogLevel } from './config/app.config.js';
import { redactRequestUrl } from './domain/urls.js';

/**
 * Paths that may hold secrets. Request bodies are never logged; headers with credentials and
 * any field named like a secret are censored wherever a log call passes them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.code',
  '*.totpSecret',
];

/** JSON lines for machines (log collectors, production); `pretty`: one readable, coloured line per entry for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'vigil' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (format === 'pretty') {
    return pino(options, pretty({ destination: destination ?? 1, sync: true, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(options, destination);
}

/** LOG_FORMAT `auto`: readable on a terminal, JSON otherwise and always in production (NODE_ENV=production). */
export function logFormat(choice: 'auto' | LogFormat, production: boolean, isTTY: boolean): LogFormat {
  if (choice !== 'auto') return choice;
  return isTTY && !production ? 'pretty' : 'json';
}

const REQUEST_ID = /^[\w-]{1,64}$/;

/** pino-http options: a request id on every request (taken from X-Request-Id when it is sane) and in the response. */
export function httpLogOptions(logger: Logger): Options<IncomingMessage, ServerResponse> {
  return {
    logger,
    genReqId(req, res) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => req.url === '/api/health' || req.url?.split('?')[0] === '/metrics' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactRequestUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
