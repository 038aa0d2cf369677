import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, RetryLaterError } from '../domain/errors.js';
import { statusOf } from '../domain/error-status.js';

/**
 * One error shape for every HTTP response: `{message, errors?}` for known errors, and a plain
 * 500 with the request id for anything else (the details go to the log only: no stack
 * traces or SQL reach a client).
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<Request & { id?: string }>();
    const response = host.switchToHttp().getResponse<Response>();

    if (exception instanceof DomainError) {
      const status = statusOf(exception);
      if (exception instanceof RetryLaterError && exception.retryAfterSeconds !== undefined) {
        response.setHeader('Retry-After', String(exception.retryAfterSeconds));
      }
      response.status(status).json({ message: exception.message, ...(exception.errors ? { errors: exception.errors } : {}) });
      return;
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (typeof body === 'object' && body !== null && !('message' in body)) {
        response.status(exception.getStatus()).json(body); // e.g. the readiness report with a 503
        return;
      }
      const message = typeof body === 'string' ? body : body.message;
      // A path parameter that is no valid percent-encoding fails in Express's router, before any route: name the path.
      const errors =
        typeof body === 'object' && body !== null && 'errors' in body
          ? body.errors
          : exception.cause instanceof URIError
            ? [{ field: 'path', message: 'not valid percent-encoding' }]
            : undefined;
      response.status(exception.getStatus()).json({
        message: Array.isArray(message) ? message.join('; ') : String(message),
        ...(errors ? { errors } : {}),
      });
      return;
    }
    this.logger.error({ err: exception, reqId: request.id }, 'unhandled error');
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      message: `Something went wrong on the server. If it persists, give the operator this reference: ${request.id}`,
      requestId: request.id,
    });
  }
}
