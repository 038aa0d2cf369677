import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { REFRESH_COOKIE } from './middleware/session-cookie.js';

export const OPENAPI_PATH = 'api/docs';
/** Security scheme name of the refresh cookie (use with @ApiCookieAuth). */
export const REFRESH_COOKIE_SCHEME = 'refreshCookie';

/**
 * The OpenAPI document, generated from the controllers and their zod schemas. It is committed
 * as docs/openapi.json (`npm run openapi` writes it) and a test fails when the two differ.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Vigil API')
    .setDescription(
      'Real-time home monitoring. Sign in with POST /api/auth/login then POST /api/auth/mfa; send the access ' +
        'token as `Authorization: Bearer <token>`. Patient data is limited to the caller’s care teams: any other ' +
        'patient is 404. See docs/security.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addCookieAuth(REFRESH_COOKIE, { type: 'apiKey', in: 'cookie', name: REFRESH_COOKIE }, REFRESH_COOKIE_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /api/docs and the JSON at /api/docs-json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_PATH, app, () => openApiDocument(app), { jsonDocumentUrl: `${OPENAPI_PATH}-json` });
}

/** Stable text for the committed file. */
export const openApiText = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;
