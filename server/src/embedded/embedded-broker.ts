import net from 'node:net';
import type { Aedes as AedesBroker, AuthenticateError } from 'aedes';
import { isPortFree } from './net.js';

/**
 * The in-process aedes MQTT broker. Devices connect to it on VIGIL_MQTT_PORT; the server
 * hooks into it directly (authenticate, authorizePublish) instead of subscribing as a client.
 * It refuses every connection until the server installs its hooks, and opens its port only
 * when `listen()` is called after that.
 */
export interface EmbeddedBroker {
  aedes: AedesBroker;
  port: number;
  url: string;
  /** Set when the default port was taken and the next free one was used instead. */
  movedFrom?: number;
  listen(): Promise<void>;
  stop(): Promise<void>;
}

export class BrokerPortTakenError extends Error {}

async function choosePort(port: number, explicit: boolean): Promise<number> {
  if (await isPortFree(port)) return port;
  if (explicit) {
    throw new BrokerPortTakenError(`VIGIL_MQTT_PORT: port ${port} is already in use; free it, choose another port, or set MQTT_URL to use that broker`);
  }
  for (let candidate = port + 1; candidate < port + 100 && candidate <= 65535; candidate++) {
    if (await isPortFree(candidate)) return candidate;
  }
  throw new BrokerPortTakenError(`VIGIL_MQTT_PORT: no free port found from ${port} to ${port + 99}`);
}

export async function createEmbeddedBroker(port: number, explicit: boolean): Promise<EmbeddedBroker> {
  const chosen = await choosePort(port, explicit);
  // aedes 1.x is ESM-only and is created asynchronously.
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker({
    authenticate: (_client, _username, _password, done) => {
      const error = new Error('not ready') as AuthenticateError;
      error.returnCode = 3; // server unavailable
      done(error, false);
    },
  });
  const server = net.createServer(aedes.handle);
  return {
    aedes,
    port: chosen,
    url: `mqtt://localhost:${chosen}`,
    movedFrom: chosen === port ? undefined : port,
    listen: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) =>
          reject(error.code === 'EADDRINUSE' ? new BrokerPortTakenError(`VIGIL_MQTT_PORT: port ${chosen} is already in use`) : error),
        );
        server.listen(chosen, () => resolve());
      }),
    async stop() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
