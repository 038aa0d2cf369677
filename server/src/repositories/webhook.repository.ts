import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export interface Webhook {
  id: string;
  teamId: string;
  url: string;
  secret: string;
}

/** Team webhooks (stored) and the outbound HTTP POST that delivers to them. */
@Injectable()
export class WebhookRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(teamId: string, url: string, secret: string): Promise<Webhook> {
    const { rows } = await this.db.query<Webhook>(
      `INSERT INTO webhooks (team_id, url, secret) VALUES ($1, $2, $3) RETURNING id, team_id AS "teamId", url, secret`,
      [teamId, url, secret],
    );
    return rows[0];
  }

  async forTeam(teamId: string): Promise<Webhook[]> {
    const { rows } = await this.db.query<Webhook>(`SELECT id, team_id AS "teamId", url, secret FROM webhooks WHERE team_id = $1 ORDER BY created_at`, [teamId]);
    return rows;
  }

  async get(id: string): Promise<Webhook | undefined> {
    const { rows } = await this.db.query<Webhook>(`SELECT id, team_id AS "teamId", url, secret FROM webhooks WHERE id = $1`, [id]);
    return rows[0];
  }

  async remove(teamId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`DELETE FROM webhooks WHERE team_id = $1 AND id = $2`, [teamId, id]);
    return (rowCount ?? 0) > 0;
  }

  /** POSTs `body`; resolves with the status (a network failure rejects). Bounded at 10 s. */
  async post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }
}
