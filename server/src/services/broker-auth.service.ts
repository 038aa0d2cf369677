import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/app.config.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { DEVICE_ID } from '../domain/protocol.js';
import { deviceMay, serverMay } from '../domain/topic-rights.js';
import { urlCredentials } from '../domain/urls.js';
import { type BrokerDecision, brokerAuthenticateSchema, brokerAuthorizeSchema } from '../dtos/broker-auth.dto.js';
import { DeviceDirectoryService } from './device-directory.service.js';

const allow: BrokerDecision = { result: 'allow', is_superuser: false };
const deny: BrokerDecision = { result: 'deny' };

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Device authentication and topic authorisation for an external broker (EMQX HTTP auth):
 * the same rules and the same cached device lookup as the embedded broker, so a revoked
 * device is refused on its next connect. The Vigil server's own broker user (the user of
 * MQTT_URL) is recognised by its password. Served only when VIGIL_BROKER_AUTH_TOKEN is set,
 * and only to callers that present it.
 */
@Injectable()
export class BrokerAuthService {
  private readonly server?: { username: string; password: string };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DeviceDirectoryService,
  ) {
    this.server = config.mqtt.url ? urlCredentials(config.mqtt.url) : undefined;
  }

  async authenticate(authorization: string | undefined, body: unknown): Promise<BrokerDecision> {
    this.checkCaller(authorization);
    const { username, password } = this.parse(brokerAuthenticateSchema, body);
    if (this.server && username === this.server.username) return same(password, this.server.password) ? allow : deny;
    if (!DEVICE_ID.test(username) || !password) return deny;
    return (await this.directory.check(username, password)) === 'ok' ? allow : deny;
  }

  authorize(authorization: string | undefined, body: unknown): BrokerDecision {
    this.checkCaller(authorization);
    const { username, topic, action } = this.parse(brokerAuthorizeSchema, body);
    if (this.server && username === this.server.username) return serverMay(action, topic, this.config.mqtt.shareGroup) ? allow : deny;
    return DEVICE_ID.test(username) && deviceMay(username, action, topic) ? allow : deny;
  }

  private checkCaller(authorization: string | undefined): void {
    const token = this.config.brokerAuthToken;
    // Unconfigured: the endpoints do not exist. A wrong token looks the same.
    if (!token || !authorization || !same(authorization, `Bearer ${token}`)) throw new NotFoundError('not found');
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const errors = parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    throw new InvalidInputError('invalid broker request', errors);
  }
}
