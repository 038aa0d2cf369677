import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { deviceIdOf } from '../domain/protocol.js';
import { clientIdBelongsTo, deviceMay, serverMay } from '../domain/topic-rights.js';
import { urlCredentials } from '../domain/urls.js';
import type { BrokerDecision, brokerAuthenticateSchema, brokerAuthorizeSchema } from '../dtos/broker-auth.dto.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { DeviceDirectoryService } from './device-directory.service.js';

const allow: BrokerDecision = { result: 'allow', is_superuser: false };
const deny: BrokerDecision = { result: 'deny' };

/**
 * Device authentication and topic authorisation for an external broker (EMQX HTTP auth):
 * the same rules and the same cached device lookup as the embedded broker, so a revoked
 * device is refused on its next connect. The Vigil server's own broker user (the user of
 * MQTT_URL) is recognised by its password. Served only when VIGIL_BROKER_AUTH_TOKEN is set,
 * and only to callers that present it (BrokerTokenGuard).
 */
@Injectable()
export class BrokerAuthService {
  private readonly server?: { username: string; password: string };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DeviceDirectoryService,
    private readonly crypto: CryptoRepository,
  ) {
    this.server = config.mqtt.url ? urlCredentials(config.mqtt.url) : undefined;
  }

  /** A device also needs a client id of its own (EMQX sends `clientid`), so it cannot take over another device's session. */
  async authenticate({ username, password, clientid }: z.output<typeof brokerAuthenticateSchema>): Promise<BrokerDecision> {
    if (this.server && username === this.server.username) return this.crypto.safeEqual(password, this.server.password) ? allow : deny;
    const deviceId = await this.directory.authenticate(username, password);
    return deviceId && clientIdBelongsTo(deviceId, clientid) ? allow : deny;
  }

  authorize({ username, topic, action }: z.output<typeof brokerAuthorizeSchema>): BrokerDecision {
    if (this.server && username === this.server.username) return serverMay(action, topic, this.config.mqtt.shareGroup) ? allow : deny;
    const deviceId = deviceIdOf(username);
    return deviceId && deviceMay(deviceId, action, topic) ? allow : deny;
  }
}
