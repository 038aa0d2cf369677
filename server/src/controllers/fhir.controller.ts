import { type ArgumentsHost, Catch, Controller, type ExceptionFilter, Get, Header, HttpStatus, Logger, Query, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '../domain/actor.js';
import { ForbiddenError, InvalidInputError, NotFoundError, UnauthorizedError } from '../domain/errors.js';
import { operationOutcome } from '../domain/fhir.js';
import { uuid } from '../dtos/common.dto.js';
import { fhirId } from '../dtos/fhir.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodParam } from '../middleware/zod.js';
import { FhirService } from '../services/fhir.service.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Every error of /fhir/r4 as an OperationOutcome with its status (hl7.org/fhir/R4/http.html). */
@Catch()
export class FhirErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request & { id?: string }>();
    const response = host.switchToHttp().getResponse<Response>().type(FHIR_JSON);
    const message = exception instanceof Error ? exception.message : String(exception);
    if (exception instanceof InvalidInputError) {
      response.status(HttpStatus.BAD_REQUEST).json(
        operationOutcome(
          'invalid',
          message,
          exception.errors?.map((e) => e.field),
        ),
      );
    } else if (exception instanceof NotFoundError) response.status(HttpStatus.NOT_FOUND).json(operationOutcome('not-found', message));
    else if (exception instanceof UnauthorizedError) response.status(HttpStatus.UNAUTHORIZED).json(operationOutcome('login', message));
    else if (exception instanceof ForbiddenError) response.status(HttpStatus.FORBIDDEN).json(operationOutcome('forbidden', message));
    else {
      this.logger.error({ err: exception, reqId: request.id }, 'unhandled FHIR error');
      response.status(HttpStatus.INTERNAL_SERVER_ERROR).json(operationOutcome('exception', `Something went wrong on the server; reference ${request.id}`));
    }
  }
}

@ApiTags('fhir')
@Controller('fhir/r4')
@Authenticated()
@UseFilters(FhirErrorFilter)
export class FhirController {
  constructor(private readonly fhir: FhirService) {}

  @Get('metadata')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4 CapabilityStatement: what this server supports' })
  @ApiResponse({ status: 200, description: 'CapabilityStatement (application/fhir+json)' })
  metadata() {
    return this.fhir.metadata();
  }

  @Get('Patient/:id')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4 Patient' })
  @ApiResponse({ status: 200, description: 'Patient' })
  @ApiResponse({ status: 404, description: 'OperationOutcome: no such patient among the caller’s teams' })
  patient(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string) {
    return this.fhir.patient(actor, id);
  }

  @Get('Observation/:id')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4 Observation (vital signs; blood pressure as a 85354-9 panel)' })
  @ApiResponse({ status: 200, description: 'Observation' })
  @ApiResponse({ status: 404, description: 'OperationOutcome' })
  observation(@CurrentActor() actor: Actor, @ZodParam('id', fhirId) id: string) {
    return this.fhir.observation(actor, id);
  }

  @Get('Observation')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR R4 Observation search: patient (required), code, date (ge/gt/le/lt), _count; a searchset Bundle with total and next links' })
  @ApiResponse({ status: 200, description: 'Bundle (searchset)' })
  @ApiResponse({ status: 400, description: 'OperationOutcome: an unknown parameter or a bad value' })
  @ApiResponse({ status: 404, description: 'OperationOutcome: no such patient among the caller’s teams' })
  search(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>) {
    return this.fhir.search(actor, query);
  }
}
