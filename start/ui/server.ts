// The Temporal UI's web server, as Temporal's ui-server is for a real cluster: the static build of
// ui/, index.html for every other path (the UI's routes are the browser's: a deep link to a run
// must load the app), /api/v1/settings answered here, and the rest of /api/v1 passed to the
// embedded server's HTTP API (Temporal's own routes and JSON). While the build is not there yet,
// every page says so (503) and reloads itself until it is.
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Logger } from 'pino';
import type { UiBuild } from './build-cache';
import { uiSettings } from './settings';

/** What the server knows of the build while it has none to serve. */
export type UiBuildState =
  | { state: 'building'; since: Date; log: string }
  | { state: 'failed'; error: string; log?: string }
  | { state: 'not-built' };

export interface UiServerOptions {
  port: number;
  host: string;
  /** Temporal's HTTP API, e.g. http://127.0.0.1:7243: /api/v1/... is passed there as it is. */
  apiTarget: string;
  namespace: string;
  /** The build to serve, read at each request (a background build appears while running). */
  build: () => UiBuild | undefined;
  /** Why there is no build, for the page shown instead. */
  buildState: () => UiBuildState;
  log: Logger;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const app = express();
  app.disable('x-powered-by');
  const settings = uiSettings(options.namespace);
  app.get('/api/v1/settings', (_req, res) => {
    res.json(settings);
  });
  app.use(
    createProxyMiddleware<Request, Response>({
      target: options.apiTarget,
      pathFilter: '/api/v1',
      // The UI reads errors as Temporal's {code, message, details}, whatever failed on the way.
      on: {
        error: (error, _req, res) => {
          if (!(res instanceof http.ServerResponse) || res.headersSent) return;
          options.log.warn({ err: error }, 'Temporal HTTP API unreachable');
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              code: 14,
              message: `Temporal HTTP API unreachable: ${error.message}`,
              details: [],
            }),
          );
        },
      },
    }),
  );
  let files: { dir: string; serve: express.RequestHandler } | undefined;
  app.use((req, res, next) => {
    const build = options.build();
    if (!build) {
      res.status(503).set('retry-after', '10').type('html').send(waitingPage(options.buildState()));
      return;
    }
    if (files?.dir !== build.dir) {
      files = {
        dir: build.dir,
        serve: express.static(build.dir, {
          index: false,
          // Hashed file names under _app/immutable never change content: cached for good.
          setHeaders: (r, file) => {
            if (file.includes(`${path.sep}immutable${path.sep}`)) {
              r.setHeader('cache-control', 'public, max-age=31536000, immutable');
            }
          },
        }),
      };
    }
    files.serve(req, res, next);
  });
  // Every other GET is a route of the app: its index.html, never cached (it names the build).
  app.get(/.*/, (req, res) => {
    const build = options.build();
    if (!build || !existsSync(path.join(build.dir, 'index.html'))) {
      res.status(404).end();
      return;
    }
    // Relative to its root: the cache folder's own name (.builds) is no dotfile of the site.
    res.set('cache-control', 'no-cache').sendFile('index.html', { root: build.dir });
  });

  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections of an open browser tab would hold the close for minutes.
        server.closeAllConnections();
      }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page shown while the build is not there: what is happening and where to look. */
export function waitingPage(state: UiBuildState): string {
  let body: string;
  if (state.state === 'building') {
    body =
      `<p>The Temporal UI is being built since ${escapeHtml(state.since.toISOString())} ` +
      `(about 5 minutes the first time). This page reloads when it is ready.</p>` +
      `<p>Progress: <code>${escapeHtml(state.log)}</code></p>`;
  } else if (state.state === 'failed') {
    body =
      `<p>The Temporal UI could not be built: ${escapeHtml(state.error)}</p>` +
      (state.log ? `<p>Its output: <code>${escapeHtml(state.log)}</code></p>` : '') +
      '<p>Run <code>npm run ui:build</code> to try again; this page reloads when it is ready.</p>';
  } else {
    body =
      '<p>The Temporal UI is not built. Run <code>npm run ui:build</code> (about 5 minutes, 280 MB of ' +
      'packages); this page reloads when it is ready.</p>';
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Temporal UI</title>
<meta http-equiv="refresh" content="10"></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Temporal UI</h1>${body}</body></html>`;
}
