import { Injectable } from '@nestjs/common';
import type { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * The MQTT broker Vigil serves devices through: the embedded aedes instance (hooked into
 * directly), or an external broker (Mosquitto, EMQX) reached with MQTT.js.
 */
@Injectable()
export class BrokerRepository {
  private probe?: MqttClient;

  constructor(
    /** Address devices use. */
    readonly url: string,
    readonly embedded?: Aedes,
  ) {}

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  /** Connects an MQTT.js client to the external broker (no-op for the embedded one). */
  async start(): Promise<void> {
    if (this.embedded) return;
    this.probe = mqtt.connect(this.url, {
      clientId: `vigil-probe-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
    this.probe.on('error', () => undefined);
  }

  isConnected(): boolean {
    return this.embedded ? !this.embedded.closed : (this.probe?.connected ?? false);
  }

  async close(): Promise<void> {
    await this.probe?.endAsync(true);
  }
}
