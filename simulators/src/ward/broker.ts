import type { AppConfig } from '@vigil/server/config/app.config.js';
import { readLock } from '@vigil/server/embedded/data-dir-lock.js';
import { deviceBrokerUrl } from '@vigil/server/domain/urls.js';

/**
 * Where the devices connect when `--broker` is not given: the external broker of MQTT_URL
 * (without the server's credentials: devices bring their own); else the embedded broker of
 * the server running on DATA_DIR, which may have moved off 1883 when that port was taken;
 * else the embedded broker's configured port on this machine.
 */
export function defaultBroker(config: AppConfig): { url: string; source: string } {
  if (config.mqtt.url) return { url: deviceBrokerUrl(config.mqtt.url), source: 'MQTT_URL' };
  const running = readLock(config.dataDir)?.broker;
  if (running) return { url: running, source: `the Vigil server running on ${config.dataDir}` };
  return { url: `mqtt://localhost:${config.mqtt.embeddedPort}`, source: 'the embedded broker port (no running server found)' };
}
