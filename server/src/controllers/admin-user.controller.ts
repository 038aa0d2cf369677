import { Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import {
  type CreateUserBody,
  createdUserResponse,
  createUserBody,
  type UpdateUserBody,
  updateUserBody,
  userAccountSchema,
  userSchema,
} from '../dtos/admin.dto.js';
import { uuid } from '../dtos/common.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodResponse } from '../middleware/zod.js';
import { LockoutService } from '../services/lockout.service.js';
import { UserAdminService } from '../services/user-admin.service.js';

@ApiTags('admin')
@Controller('api/admin/users')
@Authenticated()
export class AdminUserController {
  constructor(
    private readonly users: UserAdminService,
    private readonly lockout: LockoutService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Staff accounts with their teams, enrolment and lock state (locked from any address) (admin)' })
  @ZodResponse(z.array(userAccountSchema), { description: 'By e-mail' })
  list(@CurrentActor() actor: Actor) {
    return this.lockout.listAccounts(actor);
  }

  @Post()
  @ApiOperation({ summary: 'Creates a staff account; the user sets up two-factor sign-in (QR code) at the first sign-in (admin)' })
  @ZodResponse(createdUserResponse, { status: 201, description: 'Created' })
  create(@CurrentActor() actor: Actor, @ZodBody(createUserBody) body: CreateUserBody) {
    return this.users.createUser(actor, { ...body, team: body.teamId, enrolNow: false });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Changes name or role, or disables the account (which ends its sessions) (admin)' })
  @ZodResponse(userSchema, { description: 'Changed' })
  update(@CurrentActor() actor: Actor, @ZodParam('id', uuid('user')) id: string, @ZodBody(updateUserBody) body: UpdateUserBody) {
    return this.users.updateUser(actor, id, body);
  }

  @Post(':id/reset-mfa')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lost phone: forgets TOTP and recovery codes, ends sessions and removes the user’s Web Push devices; the user enrols again (admin)' })
  resetMfa(@CurrentActor() actor: Actor, @ZodParam('id', uuid('user')) id: string) {
    return this.users.resetMfa(actor, id);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  @ApiOperation({ summary: 'Ends a lockout after repeated failed sign-ins (admin)' })
  unlock(@CurrentActor() actor: Actor, @ZodParam('id', uuid('user')) id: string) {
    return this.lockout.unlock(actor, id);
  }
}
