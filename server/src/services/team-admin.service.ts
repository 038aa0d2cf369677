import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { type Team, TeamRepository } from '../repositories/team.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/** Provisioning of care teams, for the operator CLI and the admin API. Admin-only, every change audited. */
@Injectable()
export class TeamAdminService {
  constructor(
    private readonly teams: TeamRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async listTeams(actor: Actor): Promise<Team[]> {
    this.access.requireAdmin(actor);
    return this.teams.list();
  }

  async createTeam(actor: Actor, name: string): Promise<Team> {
    this.access.requireAdmin(actor);
    if (await this.teams.findByName(name)) throw new ConflictError(`a team named "${name}" already exists`);
    const team = await this.teams.create(name);
    await this.audit.record(actor, 'team.create', { targetType: 'team', targetId: team.id, details: { name } });
    return team;
  }

  async renameTeam(actor: Actor, id: string, name: string): Promise<Team> {
    this.access.requireAdmin(actor);
    const existing = await this.teams.findByName(name);
    if (existing && existing.id !== id) throw new ConflictError(`a team named "${name}" already exists`);
    const team = await this.teams.rename(id, name);
    if (!team) throw new NotFoundError(`team ${id} not found`);
    await this.audit.record(actor, 'team.rename', { targetType: 'team', targetId: id, details: { name } });
    return team;
  }
}
