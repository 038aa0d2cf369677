import { Injectable } from '@nestjs/common';
import type { Actor } from '../domain/actor.js';
import type { DeviceKind } from '../domain/device-kinds.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { type Device, DeviceRepository, type SecretHashes } from '../repositories/device.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { PatientRepository } from '../repositories/patient.repository.js';
import { AccessService } from './access.service.js';
import { AuditService } from './audit.service.js';

/**
 * Provisioning of devices and their credentials, for the operator CLI and the admin API.
 * Admin-only, every change audited; a change the broker must know of goes on the event bus.
 */
@Injectable()
export class DeviceAdminService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly patients: PatientRepository,
    private readonly crypto: CryptoRepository,
    private readonly events: EventBusRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async listDevices(actor: Actor, patientId?: string): Promise<Device[]> {
    this.access.requireAdmin(actor);
    const devices = await this.devices.list(patientId);
    await this.audit.record(actor, 'device.list', { patientId, details: { returned: devices.length } });
    return devices;
  }

  /** Provisions a device; its secret is returned once here and stored only as hashes. */
  async createDevice(actor: Actor, input: { patient: string; kind: DeviceKind }): Promise<{ device: Device; secret: string }> {
    this.access.requireAdmin(actor);
    await this.requirePatient(input.patient);
    const { secret, hashes } = this.newSecret();
    const device = await this.devices.create({ patientId: input.patient, kind: input.kind, ...hashes });
    await this.audit.record(actor, 'device.create', { patientId: input.patient, targetType: 'device', targetId: device.id, details: { kind: input.kind } });
    return { device, secret };
  }

  /**
   * For the admin screens: provisions as `createDevice`, with the credentials also as a QR code
   * for the installer (the MQTT username and password as JSON), shown once like the secret.
   */
  async provisionDevice(actor: Actor, input: { patient: string; kind: DeviceKind }): Promise<{ device: Device; secret: string; qrCode: string }> {
    return this.withQrCode(await this.createDevice(actor, input));
  }

  /** Rotates as `rotateDeviceSecret`, with the new credentials as a QR code for the installer. */
  async rotateForInstaller(actor: Actor, id: string): Promise<{ device: Device; secret: string; qrCode: string }> {
    return this.withQrCode(await this.rotateDeviceSecret(actor, id));
  }

  private async withQrCode(result: { device: Device; secret: string }): Promise<{ device: Device; secret: string; qrCode: string }> {
    return { ...result, qrCode: await this.crypto.qrCode(JSON.stringify({ username: result.device.id, password: result.secret })) };
  }

  /** A new secret, shown once; the old one stops working at once (the broker drops its session). */
  async rotateDeviceSecret(actor: Actor, id: string): Promise<{ device: Device; secret: string }> {
    this.access.requireAdmin(actor);
    const { secret, hashes } = this.newSecret();
    const device = await this.devices.rotateSecret(id, hashes);
    if (!device) throw await this.deviceProblem(id);
    // The id as stored (lower case), not as typed: caches and connections are keyed by it.
    await this.audit.record(actor, 'device.rotate', { patientId: device.patientId, targetType: 'device', targetId: device.id });
    this.events.emit('device.changed', { deviceId: device.id, change: 'rotated' });
    return { device, secret };
  }

  /** For good: the broker refuses the device from now on (a replacement is provisioned as a new device). */
  async revokeDevice(actor: Actor, id: string): Promise<Device> {
    this.access.requireAdmin(actor);
    const device = await this.devices.revoke(id);
    if (!device) throw await this.deviceProblem(id);
    await this.audit.record(actor, 'device.revoke', { patientId: device.patientId, targetType: 'device', targetId: device.id });
    this.events.emit('device.changed', { deviceId: device.id, change: 'revoked' });
    return device;
  }

  /** The device now measures another patient (e.g. a loaned pulse oximeter handed on). */
  async relinkDevice(actor: Actor, id: string, patientId: string): Promise<Device> {
    this.access.requireAdmin(actor);
    await this.requirePatient(patientId);
    const before = await this.devices.get(id);
    if (!before) throw new NotFoundError(`device ${id} not found`);
    const device = (await this.devices.relink(id, patientId))!;
    await this.audit.record(actor, 'device.relink', {
      patientId,
      targetType: 'device',
      targetId: device.id,
      details: { fromPatientId: before.patientId },
    });
    this.events.emit('device.changed', { deviceId: device.id, change: 'relinked' });
    return device;
  }

  /**
   * A device secret and how it is stored: the digest Vigil checks it with, and Mosquitto's hash
   * of it so that `vigil mosquitto export` can write the broker's password file.
   */
  private newSecret(): { secret: string; hashes: SecretHashes } {
    const secret = this.crypto.randomSecret();
    return { secret, hashes: { secretHash: this.crypto.hashSecret(secret), mosquittoHash: this.crypto.mosquittoHash(secret) } };
  }

  private async requirePatient(id: string): Promise<void> {
    if (!(await this.patients.get(id))) throw new NotFoundError(`patient ${id} not found`);
  }

  private async deviceProblem(id: string): Promise<Error> {
    const device = await this.devices.get(id);
    return device ? new ConflictError(`device ${id} is revoked`) : new NotFoundError(`device ${id} not found`);
  }
}
