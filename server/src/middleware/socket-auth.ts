import type { Actor } from '../domain/actor.js';
import { UnauthorizedError } from '../domain/errors.js';
import type { SessionService } from '../services/session.service.js';

/** The part of a socket.io Socket the handshake check uses (structural: no socket.io import needed here). */
export interface HandshakeSocket {
  handshake: { auth?: Record<string, unknown>; address?: string; headers: Record<string, string | string[] | undefined> };
  data: { actor?: Actor };
}

/** socket.io's `connect_error` carries `message` and `data` to the client. */
export type HandshakeError = Error & { data?: { message: string } };

/**
 * The socket.io handshake check, the same as REST's: the client connects with
 * `io(url, { auth: { token: accessToken } })`; the token must be valid and its session live.
 * The live gateway installs it once and reads the user from `socket.data.actor`:
 *
 *   afterInit(server: Server) { server.use(socketAuthMiddleware(this.sessions)); }
 *
 * Room joins must still go through AccessService (a patient room only for a patient of the
 * user's teams). An access token expires after 15 minutes but a socket lives on: the gateway
 * should re-check with `sessions.verifyAccessToken` when the client sends a refreshed token
 * and disconnect when that fails, so a revoked session stops receiving data.
 */
export function socketAuthMiddleware(sessions: Pick<SessionService, 'verifyAccessToken'>) {
  return async (socket: HandshakeSocket, next: (error?: HandshakeError) => void): Promise<void> => {
    const token = socket.handshake.auth?.token;
    const userAgent = socket.handshake.headers['user-agent'];
    try {
      socket.data.actor = await sessions.verifyAccessToken(typeof token === 'string' ? token : undefined, {
        ip: socket.handshake.address,
        userAgent: typeof userAgent === 'string' ? userAgent : undefined,
      });
      next();
    } catch (error) {
      const message = error instanceof UnauthorizedError ? error.message : 'the server could not check the token; try again';
      next(Object.assign(new Error(error instanceof UnauthorizedError ? 'unauthorized' : 'server error'), { data: { message } }));
    }
  };
}
