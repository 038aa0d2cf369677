import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/app.config.js';

/** JSON bodies only, and small: the API takes forms and commands, never files. */
export const JSON_BODY_LIMIT = '100kb';

/**
 * Browser-facing protections, installed before any route or static file (platform.ts):
 * - which proxies to believe for the client address (VIGIL_TRUST_PROXY), so audit entries and
 *   per-address throttling see the real caller and a client cannot forge X-Forwarded-For;
 * - helmet's headers with a strict Content-Security-Policy (same-origin scripts, no framing);
 * - CORS only for the origins in VIGIL_CORS_ORIGINS (none by default: same origin only);
 * - `Cache-Control: no-store` on every API response: they hold patients' data, and a shared
 *   ward PC or a proxy must not keep a copy (an ETag alone lets a browser cache store it);
 * - a JSON body parser with a size limit, whose errors (bad JSON, too large) answer in the
 *   API's error shape instead of Express's HTML page with a stack trace.
 * The app must be created with `bodyParser: false`, so no other parser runs first.
 */
export function hardenHttp(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.http.trustProxy);
  const https = config.publicUrl.startsWith('https:');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'frame-ancestors': ["'none'"],
          // Plain-http installs (embedded mode on a LAN address) would otherwise break.
          'upgrade-insecure-requests': https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
    }),
  );
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({ origin: config.http.corsOrigins, credentials: true, methods: ['GET', 'POST', 'PATCH', 'DELETE'], maxAge: 600 });
  }
  app.use('/api', noStore);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(bodyParserErrors);
  app.use(cookieParser());
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** Express error middleware for what fails before Nest sees the request (the body parser). */
function bodyParserErrors(error: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  // Like every refusal of input, each names the field at fault: here the body as a whole.
  const refuse = (status: number, message: string, problem: string) => res.status(status).json({ message, errors: [{ field: 'body', message: problem }] });
  if (error.type === 'entity.too.large') {
    refuse(413, `the request body is larger than ${JSON_BODY_LIMIT}`, `larger than ${JSON_BODY_LIMIT}`);
  } else if (error.type === 'entity.parse.failed') {
    refuse(400, 'the request body is not valid JSON', 'not valid JSON');
  } else {
    refuse(error.status && error.status >= 400 && error.status < 500 ? error.status : 400, 'the request body could not be read', error.message);
  }
}
