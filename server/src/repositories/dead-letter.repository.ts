import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

@Injectable()
export class DeadLetterRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM dead_letters');
    return rows[0].n;
  }
}
