import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type ApiDeps } from './app';

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections, lets requests in flight finish (bounded), then closes the rest. */
  close(): Promise<void>;
}

export async function startApiServer(
  deps: ApiDeps & { port: number; host?: string; shutdownGraceMs?: number },
): Promise<ApiServer> {
  const app = createApp(deps);
  const server = createServer(app);
  // Slow or stalled clients cannot hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '::' || host === '[::]' || host === '0.0.0.0' ? 'localhost' : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  // While stopping, a keep-alive connection is closed as soon as its last response is sent.
  server.on('request', (_req, res) => {
    res.on('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    url,
    server,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        const grace = setTimeout(() => server.closeAllConnections(), deps.shutdownGraceMs ?? 10_000);
        server.close((error) => {
          clearTimeout(grace);
          if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
