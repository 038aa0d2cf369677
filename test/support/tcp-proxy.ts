import net from 'node:net';

export interface TcpProxy {
  /** 127.0.0.1:<port> forwarding to the target. */
  port: number;
  /** Cuts every open connection and refuses new ones, like a database that went away. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /**
   * A half-open network: every open connection stays open and nothing more crosses it either
   * way (no reset, no FIN), as when a tablet's Wi-Fi drops. New connections are refused.
   */
  stall(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder between the server and a real service, to simulate that service going
 * down and coming back without stopping it (other tests and engineers share it).
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  let down = false;
  const server = net.createServer((inbound) => {
    if (down) return inbound.destroy();
    const outbound = net.connect(targetPort, targetHost);
    open.add(inbound).add(outbound);
    const pair: [net.Socket, net.Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    stall() {
      down = true;
      for (const [inbound, outbound] of pairs) {
        inbound.unpipe(outbound);
        outbound.unpipe(inbound);
        inbound.pause();
        outbound.pause();
      }
    },
    async close() {
      this.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
