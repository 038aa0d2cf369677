import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { type MemberBody, memberBody, type TeamBody, teamBody, teamSchema } from '../dtos/admin.dto.js';
import { uuid } from '../dtos/common.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodResponse } from '../middleware/zod.js';
import { TeamAdminService } from '../services/team-admin.service.js';
import { UserAdminService } from '../services/user-admin.service.js';

@ApiTags('admin')
@Controller('api/admin/teams')
@Authenticated()
export class AdminTeamController {
  constructor(
    private readonly admin: TeamAdminService,
    private readonly users: UserAdminService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Care teams (admin)' })
  @ZodResponse(z.array(teamSchema), { description: 'By name' })
  list(@CurrentActor() actor: Actor) {
    return this.admin.listTeams(actor);
  }

  @Post()
  @ApiOperation({ summary: 'Creates a care team (admin)' })
  @ZodResponse(teamSchema, { status: 201, description: 'Created' })
  create(@CurrentActor() actor: Actor, @ZodBody(teamBody) body: TeamBody) {
    return this.admin.createTeam(actor, body.name);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Renames a care team (admin)' })
  @ZodResponse(teamSchema, { description: 'Renamed' })
  rename(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string, @ZodBody(teamBody) body: TeamBody) {
    return this.admin.renameTeam(actor, id, body.name);
  }

  @Post(':id/members')
  @HttpCode(204)
  @ApiOperation({ summary: 'Adds a user to the team: they see its patients from now on (admin)' })
  addMember(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string, @ZodBody(memberBody) body: MemberBody) {
    return this.users.addTeamMember(actor, id, body.userId);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes a user from the team: they no longer see its patients (admin)' })
  removeMember(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string, @ZodParam('userId', uuid('user')) userId: string) {
    return this.users.removeTeamMember(actor, id, userId);
  }
}
