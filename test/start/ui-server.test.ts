// The Temporal UI's server of `npm start` (start/ui/) without a browser or a real build: the
// settings the UI reads first, /api/v1 passed to Temporal's HTTP API as it is (status, body and
// query included), the build's files and the app's index.html for deep links, the page shown while
// there is no build, and the build cache's key.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { uiBuildKey, type UiBuild } from '../../start/ui/build-cache';
import { startUi } from '../../start/ui';
import { startUiServer, type UiBuildState, type UiServer } from '../../start/ui/server';
import { uiVersion } from '../../start/ui/settings';
import { freePort } from './start-process';

const log = pino({ level: 'silent' });

interface Seen {
  method: string;
  url: string;
  body: string;
}

/** A stand-in for Temporal's HTTP API: answers what each test sets, records what it got. */
async function fakeHttpApi(answer: (req: Seen) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, body };
      seen.push(request);
      const { status, body: out } = answer(request);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

let dir: string;
let build: UiBuild | undefined;
let state: UiBuildState;
let api: Awaited<ReturnType<typeof fakeHttpApi>>;
let ui: UiServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ui-server-'));
  mkdirSync(path.join(dir, 'build', '_app', 'immutable'), { recursive: true });
  writeFileSync(path.join(dir, 'build', 'index.html'), '<!doctype html><title>the app</title>');
  writeFileSync(path.join(dir, 'build', '_app', 'immutable', 'entry.abc123.js'), 'export {};');
  api = await fakeHttpApi(({ url }) =>
    url.startsWith('/api/v1/namespaces/default/workflows/missing')
      ? { status: 404, body: { code: 5, message: 'workflow not found', details: [] } }
      : { status: 200, body: { executions: [] } },
  );
  ui = await startUiServer({
    port: 0,
    host: '127.0.0.1',
    apiTarget: api.url,
    namespace: 'orders-ns',
    build: () => build,
    buildState: () => state,
    log,
  });
});

afterAll(async () => {
  await ui?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  build = { key: 'k', dir: path.join(dir, 'build') };
  state = { state: 'not-built' };
  api.seen.length = 0;
});

test('/api/v1/settings: the ui-server fields, no auth, the namespace, the UI version, honest actions', async () => {
  const res = await fetch(`${ui.url}/api/v1/settings`);
  expect(res.status).toBe(200);
  const settings = (await res.json()) as { Version: string };
  expect(settings).toMatchObject({
    Auth: { Enabled: false },
    DefaultNamespace: 'orders-ns',
    ShowTemporalSystemNamespace: false,
    Codec: { Endpoint: '' },
    Version: uiVersion(),
    DisableWriteActions: false,
    WorkflowSignalDisabled: false,
    WorkflowTerminateDisabled: false,
    // not handled by the order workflows, not implemented by the embedded server, or not the way
    // orders start
    WorkflowCancelDisabled: false,
    WorkflowResetDisabled: false,
    BatchActionsDisabled: true,
    StartWorkflowDisabled: true,
  });
  expect(settings.Version).toMatch(/^\d+\.\d+\.\d+$/);
  // The settings never reach the Temporal API.
  expect(api.seen).toEqual([]);
});

test('/api/v1 goes to the HTTP API unchanged: path, query, method, body and the answer', async () => {
  const list = await fetch(`${ui.url}/api/v1/namespaces/default/workflows?query=OrderStatus%3D%22pending%22`);
  expect(list.status).toBe(200);
  expect(await list.json()).toEqual({ executions: [] });
  const signal = await fetch(`${ui.url}/api/v1/namespaces/default/workflows/order-1/signal/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { payloads: [] } }),
  });
  expect(signal.status).toBe(200);
  const missing = await fetch(`${ui.url}/api/v1/namespaces/default/workflows/missing`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ code: 5, message: 'workflow not found', details: [] });
  expect(api.seen).toEqual([
    {
      method: 'GET',
      url: '/api/v1/namespaces/default/workflows?query=OrderStatus%3D%22pending%22',
      body: '',
    },
    {
      method: 'POST',
      url: '/api/v1/namespaces/default/workflows/order-1/signal/approve',
      body: JSON.stringify({ input: { payloads: [] } }),
    },
    { method: 'GET', url: '/api/v1/namespaces/default/workflows/missing', body: '' },
  ]);
});

test('an unreachable HTTP API is a 503 in Temporal error form', async () => {
  const port = await freePort();
  const orphan = await startUiServer({
    port: 0,
    host: '127.0.0.1',
    apiTarget: `http://127.0.0.1:${port}`,
    namespace: 'default',
    build: () => build,
    buildState: () => state,
    log,
  });
  try {
    const res = await fetch(`${orphan.url}/api/v1/namespaces`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { message: string };
    expect(body).toMatchObject({ code: 14, details: [] });
    expect(body.message).toContain('Temporal HTTP API unreachable');
  } finally {
    await orphan.close();
  }
});

test("the build's files, and index.html for any route of the app (deep links)", async () => {
  const asset = await fetch(`${ui.url}/_app/immutable/entry.abc123.js`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).toContain('immutable');
  expect(await asset.text()).toBe('export {};');
  for (const route of [
    '/',
    '/namespaces/default/workflows',
    '/namespaces/default/workflows/order-1/run-1/history',
  ]) {
    const page = await fetch(`${ui.url}${route}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>the app</title>');
  }
});

test('without a build: 503 and a page saying why, which reloads itself', async () => {
  build = undefined;
  state = { state: 'building', since: new Date('2026-01-02T03:04:05Z'), log: '/data/ui-build.log' };
  const building = await fetch(`${ui.url}/namespaces/default/workflows`);
  expect(building.status).toBe(503);
  const text = await building.text();
  expect(text).toContain('being built since 2026-01-02T03:04:05.000Z');
  expect(text).toContain('/data/ui-build.log');
  expect(text).toContain('http-equiv="refresh"');

  state = { state: 'not-built' };
  expect(await (await fetch(`${ui.url}/`)).text()).toContain('npm run ui:build');
  // The API is there all the same.
  expect((await fetch(`${ui.url}/api/v1/settings`)).status).toBe(200);
});

describe('the build cache key', () => {
  test('changes with any source file, not with installed packages or outputs', () => {
    const src = mkdtempSync(path.join(tmpdir(), 'ui-key-'));
    try {
      mkdirSync(path.join(src, 'src', 'routes'), { recursive: true });
      writeFileSync(path.join(src, 'package-lock.json'), '{}');
      writeFileSync(path.join(src, 'src', 'routes', '+page.svelte'), '<p>a</p>');
      const first = uiBuildKey(src);
      for (const output of ['node_modules', '.svelte-kit', 'build', '.builds']) {
        mkdirSync(path.join(src, output), { recursive: true });
        writeFileSync(path.join(src, output, 'x.js'), String(Math.random()));
      }
      expect(uiBuildKey(src)).toBe(first);
      writeFileSync(path.join(src, 'src', 'routes', '+page.svelte'), '<p>b</p>');
      const second = uiBuildKey(src);
      expect(second).not.toBe(first);
      writeFileSync(path.join(src, 'package-lock.json'), '{"lockfileVersion":3}');
      expect(uiBuildKey(src)).not.toBe(second);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  });
});

describe('startUi (npm start)', () => {
  const saved = process.env.UI_CACHE_DIR;
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(path.join(tmpdir(), 'ui-cache-'));
    process.env.UI_CACHE_DIR = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.UI_CACHE_DIR;
    else process.env.UI_CACHE_DIR = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  test('without a build and without building: says how to build, then serves a build made meanwhile', async () => {
    const running = await startUi({
      port: 0,
      host: '127.0.0.1',
      apiTarget: api.url,
      namespace: 'default',
      buildIfMissing: false,
      dataDir: cache,
      log,
    });
    try {
      expect(running.describe()).toBe(`${running.url} once built: run npm run ui:build (about 5 minutes)`);
      expect((await fetch(`${running.url}/namespaces/default/workflows`)).status).toBe(503);
      // `npm run ui:build` in another terminal: picked up at the next request, no restart.
      const dir = path.join(cache, uiBuildKey());
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'index.html'), '<title>built meanwhile</title>');
      const page = await fetch(`${running.url}/namespaces/default/workflows`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('built meanwhile');
      expect(running.describe()).toBe(running.url);
      // Its folder removed (a build of newer sources removes older ones): never served from a vanished folder.
      rmSync(dir, { recursive: true, force: true });
      expect((await fetch(`${running.url}/`)).status).toBe(503);
    } finally {
      await running.close();
    }
  });
});
