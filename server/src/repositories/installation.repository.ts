import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

/** The id of this database (see the installation migration). */
@Injectable()
export class InstallationRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async id(): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM installation');
    return rows[0].id;
  }
}
