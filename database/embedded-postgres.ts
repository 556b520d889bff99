// The embedded Postgres: PGlite (Postgres compiled to WebAssembly) persisted in a folder and
// served over the Postgres wire protocol on a loopback port, so the application reaches it with
// the same `pg` driver and Prisma adapter as a real server.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { lockDataDir } from './data-dir-lock';
import { startSessionGate } from './session-gate';

/**
 * Marks connection strings that point at the embedded server (it is sent as `application_name`,
 * which every Postgres client accepts), so createPrismaClient can size its pool for one session
 * even in another process, e.g. a jest worker given the URL by the global setup.
 */
export const EMBEDDED_APPLICATION_NAME = 'orders-embedded-pglite';

export function isEmbeddedUrl(url: string): boolean {
  try {
    return new URL(url).searchParams.get('application_name') === EMBEDDED_APPLICATION_NAME;
  } catch {
    return false;
  }
}

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  // Dynamic imports: PGlite is only loaded when the embedded database is used. (Under jest it
  // cannot load inside a test's VM context at all; the jest global setup starts it instead.)
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');

  const unlock = lockDataDir(dir);
  let db: Awaited<ReturnType<typeof PGlite.create>> | undefined;
  let server: InstanceType<typeof PGLiteSocketServer> | undefined;
  try {
    const started = await PGlite.create(dir);
    db = started;
    // A few sockets so a closing session and the next one may overlap briefly; the session
    // gate in front makes sure only one of them is ever in use.
    const socketServer = new PGLiteSocketServer({
      db: started,
      host: '127.0.0.1',
      port: 0,
      maxConnections: 4,
    });
    server = socketServer;
    await socketServer.start();
    const [host, port] = splitHostPort(socketServer.getServerConn());
    const gate = await startSessionGate(
      { host, port },
      {
        // A client that vanished mid-transaction leaves it open; then forget its session state.
        resetSession: async () => {
          await started.exec('ROLLBACK').catch(() => undefined);
          await started.exec('DISCARD ALL');
        },
      },
    );
    const url = `postgresql://postgres@127.0.0.1:${gate.port}/postgres?application_name=${EMBEDDED_APPLICATION_NAME}`;
    return {
      url,
      dataDir: dir,
      close: async () => {
        await gate.close();
        await socketServer.stop();
        await started.close();
        unlock();
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    unlock();
    throw new Error(`could not start the embedded Postgres in ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function splitHostPort(conn: string): [string, number] {
  const i = conn.lastIndexOf(':');
  const port = Number(conn.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port <= 0)
    throw new Error(`unexpected PGlite server address ${conn}`);
  return [conn.slice(0, i), port];
}
