import { Injectable } from '@nestjs/common';
import { DatabaseRepository } from './database.repository.js';

export type DeliveryChannel = 'in_app' | 'web_push' | 'webhook';
export type DeliveryStatus = 'sent' | 'failed' | 'dead';

export interface Delivery {
  alertId: string;
  level: number;
  channel: DeliveryChannel;
  recipient: string;
  attempt: number;
  status: DeliveryStatus;
  error?: string | null;
  at?: Date;
}

/** The per-alert delivery log: one row per attempt on every channel. */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async record(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.query(
      `INSERT INTO alert_deliveries (alert_id, level, channel, recipient, attempt, status, error)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[])`,
      [
        deliveries.map((d) => d.alertId),
        deliveries.map((d) => d.level),
        deliveries.map((d) => d.channel),
        deliveries.map((d) => d.recipient),
        deliveries.map((d) => d.attempt),
        deliveries.map((d) => d.status),
        deliveries.map((d) => d.error ?? null),
      ],
    );
  }

  async forAlert(alertId: string): Promise<Array<Required<Delivery>>> {
    const { rows } = await this.db.query<Required<Delivery>>(
      `SELECT alert_id AS "alertId", level, channel, recipient, attempt, status, error, at FROM alert_deliveries WHERE alert_id = $1 ORDER BY at, id`,
      [alertId],
    );
    return rows;
  }
}
