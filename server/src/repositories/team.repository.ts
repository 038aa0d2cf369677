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
    const { rows } = await this.db.query<Team>(
      'INSERT INTO teams (name) VALUES ($1) RETURNING id, name, created_at AS "createdAt"',
      [name],
    );
    return rows[0];
  }

  async get(id: string): Promise<Team | undefined> {
    const { rows } = await this.db.query<Team>('SELECT id, name, created_at AS "createdAt" FROM teams WHERE id = $1', [id]);
    return rows[0];
  }

  async findByName(name: string): Promise<Team | undefined> {
    const { rows } = await this.db.query<Team>(
      'SELECT id, name, created_at AS "createdAt" FROM teams WHERE lower(name) = lower($1)',
      [name],
    );
    return rows[0];
  }

  async list(): Promise<Team[]> {
    const { rows } = await this.db.query<Team>('SELECT id, name, created_at AS "createdAt" FROM teams ORDER BY name');
    return rows;
  }

  async addMember(teamId: string, userId: string): Promise<void> {
    await this.db.query('INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [teamId, userId]);
  }
}
