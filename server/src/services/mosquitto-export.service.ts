import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import { mosquittoAcl, mosquittoPasswd, type PasswdEntry } from '../domain/mosquitto-files.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type MosquittoCredential, DeviceRepository } from '../repositories/device.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/** A device left out of the password file, and what to do about it. */
export interface SkippedDevice {
  id: string;
  patientId: string | null;
  kind: string;
  reason: string;
}

/** The contents of Mosquitto's two files; the operator CLI writes them to disk. */
export interface MosquittoExport {
  /** The server user first, then one line per device that may connect. */
  passwd: string;
  acl: string;
  devices: number;
  skipped: SkippedDevice[];
}

/**
 * Mosquitto 2.0 authenticates from a password file only, so Vigil writes that file (and the
 * ACL for device protocol v1) from the devices table: every device that is not revoked, with
 * the Mosquitto hash stored when its secret was made, plus the Vigil server's own user.
 */
@Injectable()
export class MosquittoExportService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly crypto: CryptoRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async export(actor: Actor, server: { user: string; password: string }): Promise<MosquittoExport> {
    this.access.requireAdmin(actor);
    const credentials = await this.devices.mosquittoCredentials();
    const entries = credentials.flatMap((device): PasswdEntry[] => (device.mosquittoHash ? [{ username: device.id, hash: device.mosquittoHash }] : []));
    const skipped = credentials.filter((device) => !device.mosquittoHash).map(skip);
    const serverEntry = { username: server.user, hash: this.crypto.mosquittoHash(server.password) };
    await this.audit.record(actor, 'mosquitto.export', { details: { serverUser: server.user, devices: entries.length, skipped: skipped.length } });
    return { passwd: mosquittoPasswd([serverEntry, ...entries]), acl: mosquittoAcl(server.user), devices: entries.length, skipped };
  }
}

const skip = ({ id, patientId, kind }: MosquittoCredential): SkippedDevice => ({
  id,
  patientId,
  kind,
  reason:
    `no Mosquitto hash (provisioned before Vigil kept one): rotate its secret (POST /api/admin/devices/${id}/rotate), ` +
    'give the device the new one, and export again',
});
