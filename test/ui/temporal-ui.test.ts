/**
 * The Temporal UI on `npm start`, in Debian's headless Chromium: `npm start` as a child process
 * (temp DATA_DIR, free ports, the built UI: `npm run ui:build` first), orders placed through the
 * orders API, then what an operator does: the list filtered by OrderStatus = "pending" shows
 * exactly the pending orders' runs, a run's history shows its activities and its decoded input, the
 * `status` query answers what the API shows, and a signal sent from the UI goes through the
 * workflow's own checks (an invalid one is refused and changes nothing), and a reset to a workflow
 * task makes a new run that replays the order and goes on. Throughout: no page error and no /api/v1
 * answer of 400 or more.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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
/** Where the page is photographed at the steps worth looking at (UI_TEST_SCREENSHOTS=dir), or nowhere. */
const screenshots = process.env.UI_TEST_SCREENSHOTS;
const pageErrors: string[] = [];
const failedApiCalls: string[] = [];
/** The orders left pending, and one taken further (active), which the filter must leave out. */
const pending: string[] = [];
let active: string;
/** A pending order already paid (one of `pending`): its run is reset to before the payment. */
let paid: string;

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

interface Described {
  workflowExecutionInfo: { execution: { runId: string }; status: string };
  workflowExtendedInfo?: { resetRunId?: string };
  pendingActivities?: unknown[];
}

/** DescribeWorkflowExecution through Temporal's HTTP API: the current run, or the given one. */
async function describe(workflowId: string, runId?: string): Promise<Described> {
  const run = runId ? `?execution.runId=${runId}` : '';
  const res = await fetch(`${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}${run}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Described;
}

interface HistoryEvent {
  eventId: string;
  eventType: string;
  [attributes: string]: unknown;
}

async function historyOf(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const run = runId ? `?execution.runId=${runId}` : '';
  const res = await fetch(`${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}/history${run}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { history: { events: HistoryEvent[] } }).history.events;
}

/** The run's Queries tab: runs the `status` query (the first the UI offers) and reads its result. */
async function statusQueryInPage(): Promise<Record<string, unknown>> {
  await page.getByText('Queries', { exact: true }).click();
  await page.waitForURL(/\/query$/);
  await page.getByText('Run Query').click();
  const result = page.getByTestId('query-result');
  await result.waitFor();
  // The result as its copy button copies it: the editor puts only the lines in view in the page.
  const copy = result.locator('..').getByRole('button', { name: 'Click to copy content' });
  const text = await eventually(
    async () => {
      await copy.click();
      return page.evaluate<string>('navigator.clipboard.readText()');
    },
    (t) => t.includes('"orderId"'),
    30_000,
  );
  return JSON.parse(text) as Record<string, unknown>;
}

async function screenshot(name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

/** A transition list (the workflow's view, or the API's history) as (action, outcome) pairs. */
const steps = (transitions: unknown) =>
  (transitions as { action: string; outcome: string }[]).map((t) => `${t.action}:${t.outcome}`);

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
  const toPay = await order();
  paid = toPay.id;
  pending.push(paid);
  await call(clientKey, 'POST', `/orders/${paid}/actions/pay`, {
    amountCents: toPay.invoice!.amountCents,
    reference: `pay-${paid}`,
  });

  browser = await chromium.launch({ executablePath });
  page = await browser.newPage({
    viewport: { width: 1400, height: 900 },
    // The query result is read as its copy button puts it on the clipboard.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
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
  const shown = await statusQueryInPage();
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

test('reset from the UI to the first workflow task: a new run replays the order with its payment reapplied, the old run is terminated, and the order goes on', async () => {
  const id = paid;
  const workflowId = `order-${id}`;
  // The payment is in the run's history (and its state) before the reset.
  await eventually(
    () => statusQuery(workflowId),
    (view) => steps(view.transitions).includes('pay:accepted'),
  );
  const baseRunId = (await describe(workflowId)).workflowExecutionInfo.execution.runId;
  const events = await historyOf(workflowId);
  const firstTask = events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')!.eventId;
  const signalled = events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')!.eventId;
  expect(Number(signalled)).toBeGreaterThan(Number(firstTask));

  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}`);
  await page.waitForURL(/\/history/);
  await page.locator('#workflow-actions-menu-button:visible').click();
  await page.locator('[data-testid="reset-button"]:visible').click();
  const dialog = page.locator('[data-testid="reset-confirmation-modal"]:visible');
  await dialog.getByTestId('workflow-reset-event-id-select-button').click();
  await page.getByRole('option', { name: `${firstTask} - WorkflowTaskCompleted`, exact: true }).click();
  await dialog.locator('#reset-reason').fill('reset by the UI test');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();

  // The server: a new current run; the base run terminated by the reset, naming it.
  const current = await eventually(
    () => describe(workflowId),
    (d) => d.workflowExecutionInfo.execution.runId !== baseRunId,
  );
  const newRunId = current.workflowExecutionInfo.execution.runId;
  expect(current.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
  const base = await describe(workflowId, baseRunId);
  expect(base.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_TERMINATED');
  expect(base.workflowExtendedInfo?.resetRunId).toBe(newRunId);
  // The new run's history: the base's events up to the point, the reset, the payment reapplied.
  const reset = await historyOf(workflowId, newRunId);
  expect(reset.slice(0, Number(firstTask) - 1).map((e) => e.eventType)).toEqual(
    events.slice(0, Number(firstTask) - 1).map((e) => e.eventType),
  );
  expect(reset[Number(firstTask) - 1]).toMatchObject({
    eventType: 'EVENT_TYPE_WORKFLOW_TASK_FAILED',
    workflowTaskFailedEventAttributes: {
      cause: 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW',
      baseRunId,
      newRunId,
    },
  });
  expect(reset.some((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toBe(true);

  // The page: the base run, terminated, says it was reset and links to the new run.
  await page.getByText('This Workflow has been reset').waitFor();
  await page.getByText('Terminated', { exact: true }).first().waitFor();
  await screenshot('reset-base-run');
  await page.getByRole('link', { name: 'here', exact: true }).click();
  await page.waitForURL(new RegExp(`/${newRunId}/history`));
  await page.getByText('Running', { exact: true }).first().waitFor();
  await page.getByText(newRunId, { exact: true }).first().waitFor();
  // Its Relationships tab: the base run is the first execution of the workflow id.
  await page.locator('#relationships-tab:visible').click();
  await page.waitForURL(/\/relationships$/);
  await page.getByText('First Execution', { exact: true }).waitFor();
  await page.getByRole('link', { name: baseRunId, exact: true }).waitFor();
  await screenshot('reset-new-run-relationships');

  // The new run answers `status` as the API shows the order: still pending, paid. Its first task
  // ran again at the reset (the invoice's due date counts from then) and the payment was
  // reapplied: the API shows the order as the new run projected it.
  const shown = await statusQueryInPage();
  const order = await eventually(
    () => call<OrderResource>(clientKey, 'GET', `/orders/${id}`),
    (o) => isDeepStrictEqual(o.invoice, shown.invoice),
  );
  expect(order.invoice).toEqual(shown.invoice);
  expect(order.invoice!.status).toBe('paid');
  expect(shown.orderId).toBe(id);
  expect(shown.status).toBe(order.status);
  expect(shown.status).toBe('pending');
  expect(steps(shown.transitions)).toEqual(steps(order.history));
  expect(steps(shown.transitions)).toEqual(['create:accepted', 'pay:accepted']);
  expect(shown).toEqual(await statusQuery(workflowId));
  await screenshot('reset-new-run-query');

  // And the order goes on in the new run: approved through the API, it is active and the run completes.
  await call(adminKey, 'POST', `/orders/${id}/actions/approve`, {});
  const approved = await eventually(
    () => call<OrderResource>(clientKey, 'GET', `/orders/${id}`),
    (o) => o.status === 'active',
  );
  expect(approved.status).toBe('active');
  const completed = await eventually(
    () => describe(workflowId),
    (d) => d.workflowExecutionInfo.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING',
  );
  expect(completed.workflowExecutionInfo).toMatchObject({
    execution: { runId: newRunId },
    status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED',
  });
});

test('a chain of runs continued as new: each run links its first, previous and next execution', async () => {
  // A checkout started through Temporal's HTTP API with a small historyLimit (as the workflow
  // tests do; the server's own suggestion comes only after thousands of events): the input of an
  // order's first run, for a new order id.
  const source = pending[0]!;
  const started = (await historyOf(`order-${source}`))[0]!.workflowExecutionStartedEventAttributes as {
    input: { payloads: Payload[] };
  };
  const id = randomUUID();
  const input = {
    ...(JSON.parse(JSON.stringify(decode(started.input.payloads[0])).replaceAll(source, id)) as object),
    historyLimit: 20,
  };
  const json = (value: unknown): Payload => ({
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from(JSON.stringify(value)).toString('base64'),
  });
  const workflowId = `order-${id}`;
  const wf = `${temporalHttp}/api/v1/namespaces/default/workflows/${workflowId}`;
  const start = await fetch(wf, {
    method: 'POST',
    body: JSON.stringify({
      workflowId,
      workflowType: { name: 'checkoutOrder' },
      taskQueue: { name: 'orders' },
      requestId: randomUUID(),
      input: { payloads: [json(input)] },
    }),
  });
  expect(start.status).toBe(200);
  const firstRunId = ((await start.json()) as { runId: string }).runId;
  // Refused signals (no actor) grow the history until the run has continued as new twice.
  const runs = () =>
    fetch(
      `${temporalHttp}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`,
    )
      .then(
        (res) => res.json() as Promise<{ executions?: { execution: { runId: string }; status: string }[] }>,
      )
      .then((list) => list.executions ?? []);
  for (let signals = 0; (await runs()).length < 3; signals++) {
    expect(signals).toBeLessThan(20);
    const signal = await fetch(`${wf}/signal/approve`, {
      method: 'POST',
      body: JSON.stringify({
        workflowExecution: { workflowId },
        signalName: 'approve',
        input: { payloads: [json({ fields: {} })] },
      }),
    });
    expect(signal.status).toBe(200);
    // The run idle again (the refusal projected, nothing pending): only then does it hand over.
    await eventually(
      async () => ({ described: await describe(workflowId), last: (await historyOf(workflowId)).at(-1)! }),
      ({ described, last }) =>
        !described.pendingActivities?.length && last.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
    );
  }
  const chain = await runs();
  const current = await describe(workflowId);
  const currentRunId = current.workflowExecutionInfo.execution.runId;
  expect(chain.filter((r) => r.status === 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW').length).toBe(
    chain.length - 1,
  );
  const previous = (await historyOf(workflowId, currentRunId))[0]!
    .workflowExecutionStartedEventAttributes as {
    continuedExecutionRunId: string;
  };

  // The current run: its first execution and the one it continued.
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}/${currentRunId}/relationships`);
  await page.getByText('First Execution', { exact: true }).waitFor();
  await page.getByRole('link', { name: firstRunId, exact: true }).waitFor();
  await page.getByText('Previous Execution', { exact: true }).waitFor();
  await page.getByRole('link', { name: previous.continuedExecutionRunId, exact: true }).waitFor();
  await screenshot('continued-as-new-current-relationships');
  // The first run: continued as new, linking the next.
  await page.goto(`${ui}/namespaces/default/workflows/${workflowId}/${firstRunId}/relationships`);
  await page.getByText('Continued as New', { exact: true }).first().waitFor();
  await page.getByText('Next Execution', { exact: true }).waitFor();
  const next = (await historyOf(workflowId, firstRunId)).at(-1)!
    .workflowExecutionContinuedAsNewEventAttributes as {
    newExecutionRunId: string;
  };
  await page.getByRole('link', { name: next.newExecutionRunId, exact: true }).waitFor();
  await screenshot('continued-as-new-first-relationships');
  // One order to the API, as its current run (carrying the earlier runs' transitions) shows it.
  const view = await statusQuery(workflowId);
  const order = await eventually(
    () => call<OrderResource>(adminKey, 'GET', `/orders/${id}`).catch(() => undefined),
    (o) => o !== undefined && isDeepStrictEqual(steps(o.history), steps(view.transitions)),
  );
  expect(order!.status).toBe(view.status);
  expect(steps(view.transitions).filter((step) => step === 'approve:refused').length).toBeGreaterThanOrEqual(
    2,
  );
});
