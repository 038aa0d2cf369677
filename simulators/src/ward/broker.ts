import type { AppConfig } from '@vigil/server/config/app.config.js';
import { readLock } from '@vigil/server/embedded/data-dir-lock.js';
import { deviceBrokerUrl } from '@vigil/server/domain/urls.js';

/**
 * A broker the devices connect to. `embedded`: Vigil's own broker, which acknowledges a message
 * only after Vigil stored it; an external broker acknowledges when it took the message.
 */
export interface Broker {
  url: string;
  source: string;
  embedded: boolean;
}

/**
 * Where the devices connect when `--broker` is not given: the external broker of MQTT_URL
 * (without the server's credentials: devices bring their own); else the embedded broker of
 * the server running on DATA_DIR, which may have moved off 1883 when that port was taken;
 * else the embedded broker's configured port on this machine.
 */
export function defaultBroker(config: AppConfig): Broker {
  if (config.mqtt.url) return { url: deviceBrokerUrl(config.mqtt.url), source: 'MQTT_URL', embedded: false };
  const running = readLock(config.dataDir)?.broker;
  if (running) return { url: running, source: `the Vigil server running on ${config.dataDir}`, embedded: true };
  return { url: `mqtt://localhost:${config.mqtt.embeddedPort}`, source: 'the embedded broker port (no running server found)', embedded: true };
}

/** `--broker`: Vigil's embedded broker when it is the one of the server running on DATA_DIR, else an external one. */
export function givenBroker(url: string, config: AppConfig): Broker {
  return { url, source: '--broker', embedded: url === readLock(config.dataDir)?.broker };
}
