import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * While the embedded server owns the PGlite folder, the `vigil` CLI sends its commands here
 * instead of opening the folder. Loopback only; the bearer token sits in the 0600 lock file.
 */
export type CommandRunner = (command: string, args: unknown) => Promise<unknown>;

export interface ControlServer {
  port: number;
  token: string;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

export async function startControlServer(run: CommandRunner, describe: (error: unknown) => { status: number; message: string }): Promise<ControlServer> {
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply(401, { message: 'bad control token' });
    if (req.method !== 'POST' || req.url !== '/command') return reply(404, { message: 'not found' });
    let body = '';
    for await (const chunk of req) {
      body += chunk;
      if (body.length > MAX_BODY) return reply(413, { message: 'command too large' });
    }
    try {
      const { command, args } = JSON.parse(body) as { command: string; args: unknown };
      reply(200, { result: await run(command, args) });
    } catch (error) {
      const { status, message } = describe(error);
      reply(status, { message });
    }
  };
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    token,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends one command to the running server; throws with the server's message on failure. */
export async function sendCommand(control: { port: number; token: string }, command: string, args: unknown): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${control.port}/command`, {
    method: 'POST',
    headers: { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command, args }),
  });
  const body = (await response.json()) as { result?: unknown; message?: string };
  if (!response.ok) throw Object.assign(new Error(body.message ?? `the server answered ${response.status}`), { status: response.status });
  return body.result;
}
