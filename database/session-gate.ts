// Serves a single-session backend to many clients, one whole session at a time.
//
// PGlite is one Postgres backend. @electric-sql/pglite-socket can accept several sockets, but it
// interleaves their protocol messages on that one backend, so two clients using the extended
// query protocol at once can bind each other's statements. This gate accepts any number of TCP
// connections and pipes exactly one of them to the backend at a time; the others wait (their
// bytes stay buffered in the socket) until the current session ends. Clients should therefore
// release idle connections quickly (createPrismaClient does, for the embedded server).
import net from 'node:net';

export interface SessionGate {
  readonly port: number;
  close(): Promise<void>;
}

export interface SessionGateOptions {
  /**
   * Runs between two sessions. The backend is one Postgres session for every client, so what a
   * client SETs (search_path, prepared statements, ...) would otherwise leak into the next one.
   */
  resetSession?: () => Promise<void>;
}

export async function startSessionGate(
  backend: { host: string; port: number },
  options: SessionGateOptions = {},
): Promise<SessionGate> {
  const waiting: net.Socket[] = [];
  const open = new Set<net.Socket>();
  let busy = false;
  let closing = false;

  const serveNext = (): void => {
    if (busy || closing) return;
    const client = waiting.shift();
    if (!client) return;
    if (client.destroyed) return serveNext();
    busy = true;
    const upstream = net.connect(backend.port, backend.host);
    open.add(upstream);
    let released = false;
    // The next session starts only once both sides of this one are gone, so the backend has
    // seen this connection close (and rolled back any open transaction) first.
    let sidesOpen = 2;
    const sideClosed = (): void => {
      sidesOpen -= 1;
      if (sidesOpen > 0 || released) return;
      released = true;
      void (options.resetSession?.() ?? Promise.resolve())
        .catch(() => undefined)
        .finally(() => {
          busy = false;
          serveNext();
        });
    };
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
      sideClosed();
    });
    client.on('close', () => {
      upstream.destroy();
      sideClosed();
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => {
      open.delete(client);
      const i = waiting.indexOf(client);
      if (i >= 0) waiting.splice(i, 1);
    });
    client.on('error', () => client.destroy());
    client.setNoDelay(true);
    client.pause();
    waiting.push(client);
    serveNext();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('session gate: no TCP address');

  return {
    port: address.port,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      waiting.length = 0;
      await closed;
    },
  };
}
