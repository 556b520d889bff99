import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Application } from 'express';
import { createApp, type ApiDeps } from './app';
import { PROBLEM_CONTENT_TYPE } from './problem';

/** The address the API binds unless told otherwise: this machine only, like the embedded servers. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Requests Node's parser refuses never reach Express; Node would answer them with a bare status
 * line. They get a problem+json answer like every other refusal: 431 for an over-long URL or
 * header block, 408 for a request that did not arrive in time, 400 for anything malformed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'HPE_HEADER_TIMEOUT'
        ? 408
        : 400;
  const detail =
    status === 431
      ? 'the request line or headers are too large'
      : status === 408
        ? 'the request did not arrive in time'
        : 'the request is not valid HTTP/1.1';
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

export interface ApiServer {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections, lets requests in flight finish (bounded), then closes the rest. */
  close(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  /** The bind address; DEFAULT_HOST when unset. */
  host?: string;
  shutdownGraceMs?: number;
}

export async function startApiServer(deps: ApiDeps & ServeOptions): Promise<ApiServer> {
  return serveApp(createApp(deps), deps);
}

/** Serves an app built by createApp over HTTP, as the API process does. */
export async function serveApp(app: Application, options: ServeOptions): Promise<ApiServer> {
  const deps = options;
  const server = createServer(app);
  // Slow or stalled clients cannot hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host ?? DEFAULT_HOST, () => {
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
