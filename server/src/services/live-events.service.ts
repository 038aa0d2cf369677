import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SERVER_EVENTS } from '../dtos/live.dto.js';
import { DeviceRepository } from '../repositories/device.repository.js';
import { EventBusRepository } from '../repositories/event-bus.repository.js';
import { LiveRepository } from '../repositories/live.repository.js';
import { TeamRepository } from '../repositories/team.repository.js';
import { patientRoom, userRoom } from './live-stream.service.js';

/**
 * Internal events to sockets, in whichever process they happen (the server, or a worker with
 * no socket server, through the Redis emitter):
 * - `alert.changed` → `alert.v1 {alert}` to the inbox of every member of the patient's team
 *   (members read at the moment, so a user removed from the team stops getting them);
 * - `statuses.stored` → `device.status.v1` to the patient's room, with the stored state (the
 *   newest status wins, also across instances).
 * Both mark the patient's overview row changed on every instance.
 */
@Injectable()
export class LiveEventsService implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly bus: EventBusRepository,
    private readonly live: LiveRepository,
    private readonly teams: TeamRepository,
    private readonly devices: DeviceRepository,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.bus.on('alert.changed', async ({ alert, teamId }) => {
        const members = await this.teams.memberIds(teamId);
        this.live.toRooms(members.map(userRoom), SERVER_EVENTS.alert, { alert });
        this.live.share({ kind: 'changed', patientIds: [alert.patientId] });
      }),
      this.bus.on('statuses.stored', async ({ rows }) => {
        const statuses = await this.devices.statusesWithPatient([...new Set(rows.map((row) => row.deviceId))]);
        for (const { patientId, deviceId, online, battery, lastSeen } of statuses) {
          this.live.toRooms([patientRoom(patientId)], SERVER_EVENTS.deviceStatus, {
            patientId,
            deviceId,
            online,
            battery,
            lastSeen: lastSeen?.toISOString() ?? null,
          });
        }
        if (statuses.length) this.live.share({ kind: 'changed', patientIds: [...new Set(statuses.map((s) => s.patientId))] });
      }),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }
}
