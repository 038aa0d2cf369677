import {
  applyDecorators,
  Body,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  Param,
  type PipeTransform,
  Query,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBody, ApiParam, ApiQuery, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import { fieldErrors, InvalidInputError } from '../domain/errors.js';

/**
 * zod at the HTTP boundary: one schema per body, query, path parameter and response,
 * validated at run time and turned into the OpenAPI description, so the two cannot drift.
 *
 *   @ZodBody(loginBody) body: LoginBody       validates (400 naming the field) and documents
 *   @ZodQuery(auditQuery) query: AuditQuery   the same for the query string
 *   @ZodParam('id', uuid) id: string          the same for one path parameter
 *   @ZodResponse(patientSchema)               documents the response and strips any field the
 *                                             schema does not name (no accidental leaks; see
 *                                             ResponseSchemaInterceptor)
 */

/** The OpenAPI 3.0 schema of a zod schema; a JS Date is a date-time string on the wire. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date') Object.assign(jsonSchema, { type: 'string', format: 'date-time' });
      // Noise for readers of the document: the format says it, and so does "integer".
      if (jsonSchema.format && ['uuid', 'email', 'date-time'].includes(jsonSchema.format)) delete jsonSchema.pattern;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  }) as SchemaObject;
}

type Location = 'body' | 'query' | 'path';

/** Parses with `schema`; a failure is a 400 whose message and `errors` name each bad field. */
export class ZodPipe implements PipeTransform {
  constructor(
    private readonly schema: z.ZodType,
    private readonly location: Location,
    private readonly name?: string,
  ) {}

  transform(value: unknown): unknown {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const errors = fieldErrors(parsed.error.issues, this.name).map(({ field, message }) => ({
      field: field || this.location,
      message: value === undefined && this.location === 'body' ? 'expected a JSON body (Content-Type: application/json)' : message,
    }));
    throw new InvalidInputError(
      `invalid ${this.location === 'path' ? 'path parameter' : this.location}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
}

/** Method decorators applied from a parameter decorator: the method is known at that point. */
function onMethod(target: object, key: string | symbol | undefined, decorator: MethodDecorator): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, key!)!;
  decorator(target, key!, descriptor);
}

export function ZodBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodPipe(schema, 'body'))(target, key, index);
    onMethod(target, key, ApiBody({ schema: openApiSchema(schema, 'input') }));
  };
}

export function ZodQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodPipe(schema, 'query'))(target, key, index);
    const { properties = {}, required = [] } = openApiSchema(schema, 'input');
    for (const [name, property] of Object.entries(properties)) {
      onMethod(target, key, ApiQuery({ name, required: required.includes(name), schema: property as SchemaObject }));
    }
  };
}

export function ZodParam(name: string, schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new ZodPipe(schema, 'path', name))(target, key, index);
    onMethod(target, key, ApiParam({ name, schema: openApiSchema(schema, 'input') }));
  };
}

const RESPONSE_SCHEMA = 'vigil:response-schema';

/**
 * Keeps only what the route's response schema names. A mismatch is a server bug: a 500,
 * logged. Registered globally (APP_INTERCEPTOR), so it always runs outermost, after route
 * interceptors such as the session cookie's have shaped the body.
 */
@Injectable()
export class ResponseSchemaInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const schema = this.reflector.get<z.ZodType | undefined>(RESPONSE_SCHEMA, context.getHandler());
    return schema ? next.handle().pipe(map((body) => schema.parse(body))) : next.handle();
  }
}

export function ZodResponse(schema: z.ZodType, options: { status?: number; description: string }): MethodDecorator {
  return applyDecorators(
    ApiResponse({ status: options.status ?? 200, description: options.description, schema: openApiSchema(schema, 'output') }),
    SetMetadata(RESPONSE_SCHEMA, schema),
  );
}
