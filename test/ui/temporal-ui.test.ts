/**
 * The Temporal UI on `npm start`, in Debian's headless Chromium: `npm start` as a child process
 * (temp DATA_DIR, free ports, the built UI: `npm run ui:build` first), orders placed through the
 * orders API, then what an operator does: the list filtered by OrderStatus = "pending" shows
 * exactly the pending orders' runs, a run's history shows its activities and its decoded input, the
 * `status` query answers what the API shows, and a signal sent from the UI goes through the
 * workflow's own checks (an invalid one is refused and changes nothing). Throughout: no page error
 * and no /api/v1 answer of 400 or more.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { OrderResource } from '../../api/resources';
import { findUiBuild } from '../../start/ui/build-cache';
import { eventually } from '../helpers/eventually';
import { freePort, printedDemoKeys, spawnStart, type StartProcess } from '../start/start-process';

jest.setTimeout(240_000);

// Debian's chromium (`apt-get install chromium`; .ci/run installs it); another with CHROMIUM_PATH.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let dataDir: string;
let proc: StartProcess | undefined;
let api: string;
let ui: string;
let temporalHttp: string;
let clientKey: string;
let adminKey: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const failedApiCalls: string[] = [];
/** The orders left pending, and one taken further (active), which the filter must leave out. */
const pending: string[] = [];
let active: string;

async function call<T>(key: string, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} -> ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

interface Payload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A JSON payload of Temporal's HTTP API (base64 data), decoded. */
function decode(payload: Payload | undefined): unknown {
  if (!payload?.data) return undefined;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
}

/** The `status` query through Temporal's HTTP API, as any client of the server gets it. */
async function statusQuery(workflowId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}/query/status`, {
    method: 'POST',
    body: JSON.stringify({ execution: { workflowId }, query: { queryType: 'status' } }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { queryResult: { payloads: Payload[] } };
  return decode(body.queryResult.payloads[0]) as Record<string, unknown>;
}

beforeAll(async () => {
  if (!findUiBuild()) throw new Error('the Temporal UI is not built: run `npm run ui:build` first');
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install Debian's chromium or set CHROMIUM_PATH`);
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'temporal-ui-'));
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [port, temporalPort, httpPort, uiPort] = [...ports];
  api = `http://127.0.0.1:${port}`;
  ui = `http://127.0.0.1:${uiPort}`;
  temporalHttp = `http://127.0.0.1:${httpPort}`;
  proc = spawnStart({
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_HTTP_PORT: String(httpPort),
    TEMPORAL_UI_PORT: String(uiPort),
    DATA_DIR: dataDir,
  });
  await proc.ready;
  expect(proc.stdout()).toContain(`Temporal UI      ${ui}\n`);
  const keys = printedDemoKeys(proc.stdout());
  clientKey = keys.get('client')!.key;
  adminKey = keys.get('admin')!.key;

  const products = await call<{ data: { id: string; type: string }[] }>(clientKey, 'GET', '/products');
  const product = products.data.find((p) => p.type === 'hosting')!;
  const order = () =>
    call<OrderResource>(clientKey, 'POST', '/orders', {
      kind: 'checkout',
      items: [{ productId: product.id }],
    });
  for (let i = 0; i < 3; i++) pending.push((await order()).id);
  const taken = await order();
  active = taken.id;
  await call(clientKey, 'POST', `/orders/${active}/actions/pay`, {
    amountCents: taken.invoice!.amountCents,
    reference: `pay-${active}`,
  });
  await call(adminKey, 'POST', `/orders/${active}/actions/approve`, {});

  browser = await chromium.launch({ executablePath });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    if (response.url().startsWith(`${ui}/api/v1/`) && response.status() >= 400) {
      failedApiCalls.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    }
  });
}, 200_000);

afterAll(async () => {
  await browser?.close();
  if (proc) {
    proc.signal('SIGTERM');
    await proc.exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  // Each test answers for its own (and the next starts clean).
  expect(pageErrors.splice(0)).toEqual([]);
  expect(failedApiCalls.splice(0)).toEqual([]);
});

test('the list filtered by OrderStatus = "pending" shows exactly the pending orders', async () => {
  // The search attribute is upserted by the workflow's first task: wait until the server has it.
  const query = 'OrderStatus="pending"';
  await eventually(
    async () => {
      const res = await fetch(
        `${temporalHttp}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
      );
      return ((await res.json()) as { executions?: unknown[] }).executions?.length ?? 0;
    },
    (n) => n === pending.length,
  );
  await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  await page.getByText('OrderStatus = "pending"').first().waitFor();
  const rows = page.locator('table tbody tr');
  await eventually(
    () => rows.count(),
    (n) => n === pending.length,
    30_000,
  );
  const ids = await page.locator('table tbody tr a[href*="/workflows/order-"]').allInnerTexts();
  const shown = [...new Set(ids.map((t) => t.trim()).filter((t) => t.startsWith('order-')))].sort();
  expect(shown).toEqual(pending.map((id) => `order-${id}`).sort());
  expect(shown).not.toContain(`order-${active}`);
});

test("a run's history: its activities by name and its decoded input", async () => {
  const id = pending[0]!;
  const workflowId = `order-${id}`;
  await page.getByRole('link', { name: workflowId, exact: true }).click();
  await page.waitForURL(/\/history/);
  // The activities the run scheduled, as the server's history names them.
  const history = (await (
    await fetch(`${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}/history`)
  ).json()) as { history: { events: Record<string, { activityType?: { name: string } }>[] } };
  const activities = new Set(
    history.history.events
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => !!name),
  );
  expect(activities.size).toBeGreaterThan(0);
  for (const name of activities) await page.getByText(name, { exact: true }).first().waitFor();
  // The input payload, decoded from its base64 JSON by the UI.
  await page.getByText(`"orderId": "${id}"`).first().waitFor();
});

test('the status query answers what the API shows', async () => {
  const id = pending[0]!;
  await page.getByText('Queries', { exact: true }).click();
  await page.waitForURL(/\/query$/);
  await page.getByText('Run Query').click();
  const result = page.getByTestId('query-result');
  await result.waitFor();
  // The result's editor lines (without its fold markers).
  const text = await eventually(
    () => result.locator('.cm-content').innerText(),
    (t) => t.includes('"orderId"'),
    30_000,
  );
  const shown = JSON.parse(text) as Record<string, unknown>;
  const order = await call<OrderResource>(clientKey, 'GET', `/orders/${id}`);
  expect(shown.orderId).toBe(order.id);
  expect(shown.status).toBe(order.status);
  expect(shown.totalCents).toBe(order.totalCents);
  expect(shown).toEqual(await statusQuery(`order-${id}`));
});

test("a signal from the UI goes through the workflow's checks: an invalid one is refused, the order unchanged", async () => {
  const id = pending[0]!;
  const workflowId = `order-${id}`;
  const before = await statusQuery(workflowId);
  // (The header renders its actions twice, for wide and narrow screens: the visible one.)
  await page.locator('#workflow-actions-menu-button:visible').click();
  await page.locator('[data-testid="signal-button"]:visible').click();
  const dialog = page.locator('[data-testid="signal-confirmation-modal"]:visible');
  await dialog.getByTestId('signal-select-button').click();
  await dialog.getByRole('option', { name: 'approve', exact: true }).click();
  // No actor: nobody the workflow may take an action from.
  await dialog.locator('.cm-content').fill('{"fields": {}}');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  const after = await eventually(
    () => statusQuery(workflowId),
    (view) => (view.transitions as unknown[]).length > (before.transitions as unknown[]).length,
  );
  expect(after.status).toBe('pending');
  expect((after.transitions as Record<string, unknown>[]).at(-1)).toMatchObject({
    action: 'approve',
    outcome: 'refused',
    refusal: 'invalid_signal',
  });
  const order = await call<OrderResource>(clientKey, 'GET', `/orders/${id}`);
  expect(order.status).toBe('pending');
});

test('terminate from the UI ends the run; the API then refuses actions on the order', async () => {
  const id = pending[1]!;
  const workflowId = `order-${id}`;
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
  await page.waitForURL(/\/history/);
  await page.locator('#workflow-actions-menu-button:visible').click();
  await page.locator('[data-testid="terminate-button"]:visible').click();
  const dialog = page.locator('[data-testid="terminate-confirmation-modal"]:visible');
  await dialog.locator('#workflow-termination-reason').fill('stopped by the UI test');
  await dialog.getByRole('button', { name: 'Terminate', exact: true }).click();
  const described = await eventually(
    async () =>
      (await (await fetch(`${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}`)).json()) as {
        workflowExecutionInfo: { status: string };
      },
    (d) => d.workflowExecutionInfo.status === 'WORKFLOW_EXECUTION_STATUS_TERMINATED',
  );
  expect(described.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_TERMINATED');
  await page.getByText('Terminated').first().waitFor();
  const refused = await fetch(`${api}/orders/${id}/actions/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(refused.status).toBe(409);
  expect(((await refused.json()) as { detail: string }).detail).toBe('the order no longer accepts actions');
});

test("Request Cancellation from the UI is the lifecycle's cancel: the pending checkout is cancelled, as the API shows", async () => {
  const id = pending[2]!;
  const workflowId = `order-${id}`;
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
  await page.waitForURL(/\/history/);
  await page.locator('#workflow-actions-primary-button:visible').click();
  const dialog = page.locator('[data-testid="cancel-confirmation-modal"]:visible');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  const order = await eventually(
    () => call<OrderResource>(clientKey, 'GET', `/orders/${id}`),
    (o) => o.status === 'cancelled',
  );
  expect(order.status).toBe('cancelled');
  const view = await statusQuery(workflowId);
  expect((view.transitions as Record<string, unknown>[]).at(-1)).toMatchObject({
    action: 'cancel',
    outcome: 'accepted',
    actor: { role: 'admin', id: 'temporal-operator' },
  });
});
