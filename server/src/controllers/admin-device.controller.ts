import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import {
  type CreateDeviceBody,
  createDeviceBody,
  type DeviceListQuery,
  deviceListQuery,
  deviceSchema,
  deviceSecretResponse,
  type RelinkBody,
  relinkBody,
} from '../dtos/admin.dto.js';
import { uuid } from '../dtos/common.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodQuery, ZodResponse } from '../middleware/zod.js';
import { DeviceAdminService } from '../services/device-admin.service.js';

const REVOKED = { status: 409, description: 'The device is revoked' };

/** Device provisioning and MQTT credentials. */
@ApiTags('admin')
@Controller('api/admin/devices')
@Authenticated()
export class AdminDeviceController {
  constructor(private readonly admin: DeviceAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Devices, optionally of one patient, with their link and state (admin)' })
  @ZodResponse(z.array(deviceSchema), { description: 'Oldest first' })
  list(@CurrentActor() actor: Actor, @ZodQuery(deviceListQuery) query: DeviceListQuery) {
    return this.admin.listDevices(actor, query.patientId);
  }

  @Post()
  @ApiOperation({ summary: 'Provisions a device for a patient; its secret is returned only now (admin)' })
  @ZodResponse(deviceSecretResponse, { status: 201, description: 'Created' })
  create(@CurrentActor() actor: Actor, @ZodBody(createDeviceBody) body: CreateDeviceBody) {
    return this.admin.provisionDevice(actor, { patient: body.patientId, kind: body.kind });
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new secret, returned only now; the old one stops working at once (admin)' })
  @ZodResponse(deviceSecretResponse, { description: 'Rotated' })
  @ApiResponse(REVOKED)
  rotate(@CurrentActor() actor: Actor, @ZodParam('id', uuid('device')) id: string) {
    return this.admin.rotateForInstaller(actor, id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revokes the device for good: the broker refuses and disconnects it at once (admin)' })
  @ZodResponse(deviceSchema, { description: 'Revoked' })
  @ApiResponse(REVOKED)
  revoke(@CurrentActor() actor: Actor, @ZodParam('id', uuid('device')) id: string) {
    return this.admin.revokeDevice(actor, id);
  }

  @Post(':id/relink')
  @HttpCode(200)
  @ApiOperation({ summary: 'Links the device to another patient; its next readings belong to that patient (admin)' })
  @ZodResponse(deviceSchema, { description: 'Relinked' })
  relink(@CurrentActor() actor: Actor, @ZodParam('id', uuid('device')) id: string, @ZodBody(relinkBody) body: RelinkBody) {
    return this.admin.relinkDevice(actor, id, body.patientId);
  }
}
