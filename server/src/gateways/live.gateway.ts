import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import type { Actor } from '../domain/actor.js';
import type { Ack } from '../dtos/live.dto.js';
import { socketAuthMiddleware } from '../middleware/socket-auth.js';
import { LiveRepository } from '../repositories/live.repository.js';
import { LiveService } from '../services/live.service.js';
import { SessionService } from '../services/session.service.js';

type AuthedSocket = Omit<Socket, 'data'> & { data: { actor: Actor } };

/**
 * The socket.io gateway (docs/architecture.md, "Live and alerts contract"), thin: the
 * handshake is checked by the same session verification as REST, and every client event is
 * one call into LiveService, whose answer is the ack. Server options (path, CORS, buffer
 * limits) are set by LiveIoAdapter.
 */
@WebSocketGateway()
export class LiveGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly live: LiveRepository,
    private readonly sessions: SessionService,
    private readonly service: LiveService,
  ) {}

  afterInit(server: Server): void {
    const authenticate = socketAuthMiddleware(this.sessions);
    server.use((socket, next) => void authenticate(socket, next)); // it never rejects: failures go to next()
    this.live.attach(server as never);
  }

  handleConnection(socket: AuthedSocket): void {
    this.service.connected(socket.id, socket.data.actor);
  }

  handleDisconnect(socket: Socket): void {
    this.service.disconnected(socket.id);
  }

  @SubscribeMessage('watch')
  watch(@ConnectedSocket() socket: AuthedSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.service.watch(socket.id, socket.data.actor, body);
  }

  @SubscribeMessage('unwatch')
  unwatch(@ConnectedSocket() socket: AuthedSocket, @MessageBody() body: unknown): Promise<Ack> {
    return this.service.unwatch(socket.id, socket.data.actor, body);
  }
}
