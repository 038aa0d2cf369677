import { Injectable } from '@nestjs/common';
import type { StatusUpdate } from '../domain/ingest-batch.js';
import { DatabaseRepository, type Queryable } from './database.repository.js';

export interface Device {
  id: string;
  patientId: string | null;
  kind: string;
  revokedAt: Date | null;
  online: boolean;
  battery: number | null;
  lastSeen: Date | null;
  createdAt: Date;
}

/** What the broker hooks and the ingest pipeline need to know about a device. */
export interface LinkedDeviceStatus {
  deviceId: string;
  patientId: string;
  online: boolean;
  battery: number | null;
  lastSeen: Date | null;
}

export interface DeviceCredentials {
  id: string;
  patientId: string | null;
  secretHash: string;
  revokedAt: Date | null;
}

/** How a device secret is stored: the digest Vigil checks it with, and Mosquitto's hash of it for the password-file export. */
export interface SecretHashes {
  secretHash: string;
  mosquittoHash: string;
}

/** A device that may connect, as Mosquitto's password file needs it (no hash: provisioned before Vigil stored them). */
export interface MosquittoCredential {
  id: string;
  patientId: string | null;
  kind: string;
  mosquittoHash: string | null;
}

/** How stale an online device's `last_seen` may get before a reading refreshes it. */
export const LIVENESS_REFRESH_SECONDS = 30;

const COLUMNS = `id, patient_id AS "patientId", kind, revoked_at AS "revokedAt", online, battery,
  last_seen AS "lastSeen", created_at AS "createdAt"`;

@Injectable()
export class DeviceRepository {
  constructor(private readonly db: DatabaseRepository) {}

  async create(device: { patientId: string; kind: string } & SecretHashes): Promise<Device> {
    const { rows } = await this.db.query<Device>(
      `INSERT INTO devices (patient_id, kind, secret_hash, mosquitto_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [device.patientId, device.kind, device.secretHash, device.mosquittoHash],
    );
    return rows[0];
  }

  async get(id: string): Promise<Device | undefined> {
    const { rows } = await this.db.query<Device>(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Those of `ids` that are devices not revoked, with the patient each is linked to. */
  async activeLinks(ids: string[]): Promise<Array<{ id: string; patientId: string | null }>> {
    const { rows } = await this.db.query<{ id: string; patientId: string | null }>(
      'SELECT id, patient_id AS "patientId" FROM devices WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL',
      [ids],
    );
    return rows;
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM devices WHERE revoked_at IS NULL');
    return rows[0].n;
  }

  // ---- Ingest (device protocol v1): broker authentication and device status ----

  async findCredentials(id: string): Promise<DeviceCredentials | undefined> {
    const { rows } = await this.db.query<DeviceCredentials>(
      `SELECT id, patient_id AS "patientId", secret_hash AS "secretHash", revoked_at AS "revokedAt" FROM devices WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  /**
   * Applies status messages (one per device). A status older than the one already applied
   * is skipped, so batches committing out of order, on any instance, leave the newest.
   */
  async applyStatuses(updates: StatusUpdate[], on: Queryable = this.db): Promise<void> {
    if (updates.length === 0) return;
    const round = (n: number | undefined) => (n === undefined ? null : Math.round(n));
    await on.query(
      `UPDATE devices d
          SET online = u.online,
              battery = COALESCE(u.battery, d.battery),
              rssi = COALESCE(u.rssi, d.rssi),
              firmware = COALESCE(u.fw, d.firmware),
              last_seen = u.received_at
         FROM unnest($1::uuid[], $2::boolean[], $3::smallint[], $4::smallint[], $5::text[], $6::timestamptz[])
              AS u(id, online, battery, rssi, fw, received_at)
        WHERE d.id = u.id AND (d.last_seen IS NULL OR d.last_seen <= u.received_at)`,
      [
        updates.map((u) => u.deviceId),
        updates.map((u) => u.online),
        updates.map((u) => round(u.battery)),
        updates.map((u) => round(u.rssi)),
        updates.map((u) => u.fw ?? null),
        updates.map((u) => u.receivedAt.toISOString()),
      ],
    );
  }

  /**
   * Liveness: a device that sent readings or an event is online, last seen when that message
   * arrived, unless a newer status (a Last Will) is already applied. While it stays online its
   * `last_seen` is refreshed at most every LIVENESS_REFRESH_SECONDS, so a streaming device does not
   * rewrite its row on every batch. Returns the devices this made online (they were offline).
   */
  async markSeen(seen: Array<{ deviceId: string; at: Date }>, on: Queryable = this.db): Promise<string[]> {
    if (seen.length === 0) return [];
    const { rows } = await on.query<{ deviceId: string }>(
      `WITH marked AS (
         UPDATE devices d SET online = true, last_seen = u.seen_at
           FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, seen_at) JOIN devices before ON before.id = u.id
          WHERE d.id = u.id AND (d.last_seen IS NULL OR d.last_seen < u.seen_at)
            AND (NOT d.online OR d.last_seen IS NULL OR d.last_seen < u.seen_at - make_interval(secs => $3))
         RETURNING d.id, before.online AS "wasOnline")
       SELECT id AS "deviceId" FROM marked WHERE NOT "wasOnline"`,
      [seen.map((s) => s.deviceId), seen.map((s) => s.at.toISOString()), LIVENESS_REFRESH_SECONDS],
    );
    return rows.map((r) => r.deviceId);
  }

  // ---- Credentials and administration (admin API): list, rotate, revoke, relink ----

  async list(patientId?: string): Promise<Device[]> {
    const { rows } = await this.db.query<Device>(`SELECT ${COLUMNS} FROM devices WHERE $1::uuid IS NULL OR patient_id = $1 ORDER BY created_at, id`, [
      patientId ?? null,
    ]);
    return rows;
  }

  /** Replaces the secret of a device that is not revoked; undefined when there is none such. */
  async rotateSecret(id: string, hashes: SecretHashes): Promise<Device | undefined> {
    const { rows } = await this.db.query<Device>(
      `UPDATE devices SET secret_hash = $2, mosquitto_hash = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id, hashes.secretHash, hashes.mosquittoHash],
    );
    return rows[0];
  }

  /** Revokes for good (a revoked device is re-provisioned as a new one); undefined when already revoked or absent. */
  async revoke(id: string): Promise<Device | undefined> {
    const { rows } = await this.db.query<Device>(
      `UPDATE devices SET revoked_at = now(), online = false WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0];
  }

  /** Every device that is not revoked, oldest first, with its Mosquitto hash. */
  async mosquittoCredentials(): Promise<MosquittoCredential[]> {
    const { rows } = await this.db.query<MosquittoCredential>(
      `SELECT id, patient_id AS "patientId", kind, mosquitto_hash AS "mosquittoHash"
         FROM devices WHERE revoked_at IS NULL ORDER BY created_at, id`,
    );
    return rows;
  }

  async relink(id: string, patientId: string): Promise<Device | undefined> {
    const { rows } = await this.db.query<Device>(`UPDATE devices SET patient_id = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, patientId]);
    return rows[0];
  }

  /** The stored status of these devices (the newest applied) with each one's patient; unlinked devices are left out. */
  async statusesWithPatient(deviceIds: string[]): Promise<LinkedDeviceStatus[]> {
    if (deviceIds.length === 0) return [];
    const { rows } = await this.db.query<LinkedDeviceStatus>(
      `SELECT d.id AS "deviceId", d.patient_id AS "patientId", d.online, d.battery, d.last_seen AS "lastSeen"
         FROM devices d JOIN patients p ON p.id = d.patient_id WHERE d.id = ANY($1::uuid[])`,
      [deviceIds],
    );
    return rows;
  }
}
