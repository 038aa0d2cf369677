import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/app.config.js';

/**
 * socket.io's server options from the config: the contract's path, the same browser origins
 * as REST, small inbound messages (clients send only watch/unwatch bodies), and a heartbeat
 * short enough that a dead network shows on the dashboard within seconds, not socket.io's
 * default 45 s: a clinician must not read a frozen chart as live.
 */
export class LiveIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    return super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      serveClient: false,
      maxHttpBufferSize: 16 * 1024,
      pingInterval: this.config.live.pingIntervalSeconds * 1000,
      pingTimeout: this.config.live.pingTimeoutSeconds * 1000,
      cors: this.config.http.corsOrigins.length ? { origin: this.config.http.corsOrigins, credentials: true } : undefined,
    } as ServerOptions);
  }
}
