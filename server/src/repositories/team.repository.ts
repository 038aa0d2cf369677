import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface Team {
  id: string;
  name: string;
  createdAt: Date;
}

@Injectable()
export class TeamRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(name: string): Promise<Team> {
    const { rows } = await this.db.query<Team>('INSERT INTO teams (name) VALUES ($1) RETURNING id, name, created_at AS "createdAt"', [name]);
    return rows[0];
  }

  async get(id: string): Promise<Team | undefined> {
    const { rows } = await this.db.query<Team>('SELECT id, name, created_at AS "createdAt" FROM teams WHERE id = $1', [id]);
    return rows[0];
  }

  async findByName(name: string): Promise<Team | undefined> {
    const { rows } = await this.db.query<Team>('SELECT id, name, created_at AS "createdAt" FROM teams WHERE lower(name) = lower($1)', [name]);
    return rows[0];
  }

  async list(): Promise<Team[]> {
    const { rows } = await this.db.query<Team>('SELECT id, name, created_at AS "createdAt" FROM teams ORDER BY name');
    return rows;
  }

  async addMember(teamId: string, userId: string): Promise<void> {
    await this.db.query('INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [teamId, userId]);
  }

  async rename(id: string, name: string): Promise<Team | undefined> {
    const { rows } = await this.db.query<Team>('UPDATE teams SET name = $2 WHERE id = $1 RETURNING id, name, created_at AS "createdAt"', [id, name]);
    return rows[0];
  }

  /** True when the user was a member. */
  async removeMember(teamId: string, userId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
    return rowCount === 1;
  }

  /** The teams a user is a member of, by name. */
  async listForMember(userId: string): Promise<Team[]> {
    const { rows } = await this.db.query<Team>(
      `SELECT t.id, t.name, t.created_at AS "createdAt" FROM teams t JOIN team_members m ON m.team_id = t.id AND m.user_id = $1 ORDER BY t.name`,
      [userId],
    );
    return rows;
  }

  /** The teams each of the users is a member of (users of no team are absent). */
  async membershipsOf(userIds: string[]): Promise<Map<string, Set<string>>> {
    const { rows } = await this.db.query<{ userId: string; teamId: string }>(
      'SELECT user_id AS "userId", team_id AS "teamId" FROM team_members WHERE user_id = ANY($1::uuid[])',
      [userIds],
    );
    const teams = new Map<string, Set<string>>();
    for (const { userId, teamId } of rows) teams.set(userId, (teams.get(userId) ?? new Set()).add(teamId));
    return teams;
  }

  /** The user ids of a team's members. */
  async memberIds(teamId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>('SELECT user_id AS id FROM team_members WHERE team_id = $1', [teamId]);
    return rows.map((row) => row.id);
  }
}
