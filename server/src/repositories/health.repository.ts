import { Injectable } from '@nestjs/common';
import { DatabaseRepository, type Dialect } from './database.repository.js';

/** What /api/ready asks the database. */
@Injectable()
export class HealthRepository {
  constructor(private readonly db: DatabaseRepository) {}

  /** A round trip to the database (rejects when it does not answer), and the dialect in use. */
  async pingDatabase(): Promise<{ dialect: Dialect }> {
    await this.db.query('SELECT 1');
    return { dialect: this.db.dialect };
  }
}
