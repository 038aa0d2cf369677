import { Injectable } from '@nestjs/common';
import type { Aedes } from 'aedes';

/**
 * The MQTT broker Vigil serves devices through: the embedded aedes instance (hooked into
 * directly, MqttEmbeddedRepository), or an external broker (Mosquitto, EMQX), which the
 * server reaches only through its ingest session (MqttConsumerRepository).
 */
@Injectable()
export class BrokerRepository {
  constructor(
    /** Address devices use. */
    readonly url: string,
    readonly embedded?: Aedes,
  ) {}

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  /** The embedded broker is running (false with an external one: its state is the ingest session's). */
  get embeddedRunning(): boolean {
    return this.embedded !== undefined && !this.embedded.closed;
  }
}
