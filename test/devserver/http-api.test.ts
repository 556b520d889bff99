/**
 * Temporal's HTTP API of the embedded server, over real HTTP, against a server the official SDK's
 * client and worker use at the same time: the routes of the proto's google.api.http bindings
 * (under /api/v1, as the Temporal UI calls them) and their JSON as grpc-gateway writes it:
 * int64 as strings, enums by name, RFC 3339 timestamps, payloads as {metadata, data} in base64,
 * errors as {code, message, details} with the HTTP status of the gRPC code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer, type RunningDevServer } from '../../devserver';
import { parseArgs } from '../../devserver/cli';
import { eventually } from '../helpers/eventually';
import { DEVSERVER_BIN } from '../helpers/temporal';
import { freePort } from '../start/start-process';
import * as activities from './activities';
import { bundleConformanceWorkflows, quietRuntime, uid } from './support';

const NS = 'default';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
const INT64 = /^\d+$/;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');
/** A payload as the SDK's default converter writes a JSON value, in the API's JSON. */
const jsonPayload = (value: unknown) => ({
  metadata: { encoding: b64('json/plain') },
  data: b64(JSON.stringify(value)),
});

/* eslint-disable @typescript-eslint/no-explicit-any -- the API's JSON is read as untyped data */
type Json = any;

let dir: string;
let server: RunningDevServer;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let base: string;
const taskQueue = uid('http-api');
/** A workflow id that needs encoding in a path (a space, a slash, a non-ASCII letter). */
const workflowId = `${uid('http api')}/β`;
let handle: WorkflowHandleWithFirstExecutionRunId;

async function http(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: Json; type: string | null }> {
  const res = await fetch(`${base}${route}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json(), type: res.headers.get('content-type') };
}
const get = (route: string) => http('GET', route);
const post = (route: string, body?: unknown) => http('POST', route, body);
const wf = (id = workflowId) => `/api/v1/namespaces/${NS}/workflows/${encodeURIComponent(id)}`;

beforeAll(async () => {
  quietRuntime();
  dir = mkdtempSync(path.join(tmpdir(), 'http-api-'));
  // With a state file: every change acknowledged over HTTP waits for the journal, as over gRPC.
  server = await startDevServer({ port: 0, httpPort: 0, dbFilename: path.join(dir, 'temporal.db') });
  base = `http://127.0.0.1:${server.httpPort}`;
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: NS });
  nativeConnection = await NativeConnection.connect({ address: server.address });
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: NS,
    taskQueue,
    workflowBundle: await bundleConformanceWorkflows(),
    activities,
  });
  running = worker.run();
  handle = await client.workflow.start('collector', {
    taskQueue,
    workflowId,
    memo: { customer: 'c-1' },
    searchAttributes: { CustomKeywordField: ['http-api'] },
  });
  await handle.signal('addItem', 'a');
  // A signal that arrives during a workflow task is written to the history once that task is done.
  await eventually(
    async () => (await handle.fetchHistory()).events ?? [],
    (events) => events.some((e) => e.workflowExecutionSignaledEventAttributes),
  );
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await nativeConnection?.close();
  await connection?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('system info, cluster info, namespaces and search attributes', async () => {
  const system = await get('/api/v1/system-info');
  expect(system.status).toBe(200);
  expect(system.type).toBe('application/json');
  expect(system.json.capabilities.countGroupByExecutionStatus).toBe(true);
  const cluster = (await get('/api/v1/cluster-info')).json;
  expect(cluster.persistenceStore).toBe(`journal file ${path.join(dir, 'temporal.db')}`);
  expect(cluster.historyShardCount).toBe(1); // int32: a number
  const namespaces = (await get('/api/v1/namespaces')).json;
  expect(namespaces.namespaces.map((n: Json) => n.namespaceInfo.name)).toEqual([NS]);
  const ns = (await get(`/api/v1/namespaces/${NS}`)).json;
  expect(ns.namespaceInfo.state).toBe('NAMESPACE_STATE_REGISTERED');
  expect(ns.config.workflowExecutionRetentionTtl).toBe('86400s');
  const attrs = (await get(`/api/v1/namespaces/${NS}/search-attributes`)).json;
  expect(attrs.customAttributes.CustomKeywordField).toBe('INDEXED_VALUE_TYPE_KEYWORD');
  expect(attrs.systemAttributes.ExecutionStatus).toBe('INDEXED_VALUE_TYPE_KEYWORD');
});

test('list with a query: the run in protojson', async () => {
  const query = encodeURIComponent(`WorkflowId = "${workflowId}" AND CustomKeywordField = "http-api"`);
  const { status, json } = await get(`/api/v1/namespaces/${NS}/workflows?query=${query}`);
  expect(status).toBe(200);
  expect(json.executions).toHaveLength(1);
  const info = json.executions[0];
  expect(info.execution).toEqual({ workflowId, runId: handle.firstExecutionRunId });
  expect(info.type).toEqual({ name: 'collector' });
  expect(info.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
  expect(info.startTime).toMatch(RFC3339);
  expect(info.historyLength).toMatch(INT64);
  expect(info.memo.fields.customer).toEqual(jsonPayload('c-1'));
  // A search attribute's payload names its registered type, as Temporal's do.
  const keywordList = jsonPayload(['http-api']);
  expect(info.searchAttributes.indexedFields.CustomKeywordField).toEqual({
    ...keywordList,
    metadata: { ...keywordList.metadata, type: b64('Keyword') },
  });
  // Nothing matches: no `executions` at all (unpopulated fields are left out).
  const none = await get(
    `/api/v1/namespaces/${NS}/workflows?query=${encodeURIComponent('WorkflowId = "nope"')}`,
  );
  expect(none).toMatchObject({ status: 200, json: {} });
});

test('describe: int64 as strings, durations, history size', async () => {
  const { status, json } = await get(wf());
  expect(status).toBe(200);
  expect(json.executionConfig.taskQueue).toEqual({ name: taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' });
  expect(json.executionConfig.defaultWorkflowTaskTimeout).toBe('10s');
  const info = json.workflowExecutionInfo;
  expect(info.execution.runId).toBe(handle.firstExecutionRunId);
  expect(info.historyLength).toMatch(INT64);
  expect(info.historySizeBytes).toMatch(INT64);
  expect(Number(info.historySizeBytes)).toBeGreaterThan(100);
  // The same run through the SDK's gRPC client.
  const sdk = await handle.describe();
  expect(Number(info.historySizeBytes)).toBe(Number(sdk.raw.workflowExecutionInfo?.historySizeBytes));
});

test('history forward, paged, with payloads as {metadata, data}', async () => {
  const all: Json[] = [];
  let token: string | undefined;
  do {
    const q = `execution.runId=${handle.firstExecutionRunId}&maximumPageSize=2${
      token ? `&next_page_token=${encodeURIComponent(token)}` : ''
    }`;
    const { status, json } = await get(`${wf()}/history?${q}`);
    expect(status).toBe(200);
    expect(json.history.events.length).toBeLessThanOrEqual(2);
    all.push(...json.history.events);
    token = json.nextPageToken;
  } while (token);
  const sdkEvents = (await handle.fetchHistory()).events ?? [];
  expect(all.map((e) => e.eventId)).toEqual(sdkEvents.map((e) => String(e.eventId)));
  expect(all[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  expect(all[0].eventTime).toMatch(RFC3339);
  expect(all[0].workflowExecutionStartedEventAttributes.workflowType).toEqual({ name: 'collector' });
  const started = all.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED');
  expect(started.workflowTaskStartedEventAttributes.historySizeBytes).toMatch(INT64);
  const signaled = all.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
  expect(signaled.workflowExecutionSignaledEventAttributes).toMatchObject({
    signalName: 'addItem',
    input: { payloads: [jsonPayload('a')] },
  });
});

test('history reverse: the same events from the last one back, paged', async () => {
  const forward = (await get(`${wf()}/history`)).json.history.events as Json[];
  const reverse: Json[] = [];
  let token: string | undefined;
  do {
    const q = `maximumPageSize=3${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`;
    const { status, json } = await get(`${wf()}/history-reverse?${q}`);
    expect(status).toBe(200);
    reverse.push(...json.history.events);
    token = json.nextPageToken;
  } while (token);
  expect(reverse.map((e) => e.eventId)).toEqual(forward.map((e) => e.eventId).reverse());
  expect(reverse).toEqual([...forward].reverse());
});

test('signal and query through HTTP: the workflow sees the signal, the query answers', async () => {
  const signal = await post(`${wf()}/signal/addItem`, {
    input: { payloads: [jsonPayload('b')] },
    identity: 'curl',
  });
  expect(signal).toMatchObject({ status: 200, json: {} });
  // The query route puts query.queryType in the path.
  const { status, json } = await post(`${wf()}/query/items`, { query: {} });
  expect(status).toBe(200);
  expect(json.queryResult.payloads).toHaveLength(1);
  expect(JSON.parse(unb64(json.queryResult.payloads[0].data))).toEqual(['a', 'b']);
  expect(await handle.query('items')).toEqual(['a', 'b']);
  const events = (await handle.fetchHistory()).events ?? [];
  const identities = events.flatMap((e) => e.workflowExecutionSignaledEventAttributes?.identity ?? []);
  expect(identities).toContain('curl');
});

test('describe task queue: the worker polling it, per task queue type', async () => {
  const route = `/api/v1/namespaces/${NS}/task-queues/${encodeURIComponent(taskQueue)}`;
  for (const type of ['1', 'TASK_QUEUE_TYPE_ACTIVITY']) {
    const { status, json } = await get(`${route}?taskQueueType=${type}`);
    expect(status).toBe(200);
    expect(json.pollers.length).toBeGreaterThan(0);
    expect(json.pollers[0].identity).toBe(worker.options.identity);
    expect(json.pollers[0].lastAccessTime).toMatch(RFC3339);
    expect(Date.now() - Date.parse(json.pollers[0].lastAccessTime)).toBeLessThan(5 * 60_000);
  }
  // A queue nobody polls: no pollers (left out).
  expect((await get(`/api/v1/namespaces/${NS}/task-queues/nobody?taskQueueType=1`)).json).toEqual({});
});

test('terminate through HTTP, then count grouped by status', async () => {
  const other = await client.workflow.start('collector', { taskQueue, workflowId: uid('to-terminate') });
  const res = await post(`${wf(other.workflowId)}/terminate`, { reason: 'by curl', identity: 'curl' });
  expect(res).toMatchObject({ status: 200, json: {} });
  const described = await other.describe();
  expect(described.status.name).toBe('TERMINATED');
  const last = (await get(`${wf(other.workflowId)}/history-reverse?maximumPageSize=1`)).json.history
    .events[0];
  expect(last.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
  expect(last.workflowExecutionTerminatedEventAttributes).toMatchObject({
    reason: 'by curl',
    identity: 'curl',
  });

  const q = encodeURIComponent(`TaskQueue = "${taskQueue}" GROUP BY ExecutionStatus`);
  const { status, json } = await get(`/api/v1/namespaces/${NS}/workflow-count?query=${q}`);
  expect(status).toBe(200);
  expect(json.count).toBe('2');
  const groups = Object.fromEntries(
    json.groups.map((g: Json) => [JSON.parse(unb64(g.groupValues[0].data)), g.count]),
  );
  expect(groups).toEqual({ Running: '1', Terminated: '1' });
});

describe('errors: {code, message, details} with the HTTP status of the gRPC code', () => {
  test('an unknown workflow: 404, NOT_FOUND with its failure detail', async () => {
    const { status, json } = await get(wf('no-such-workflow'));
    expect(status).toBe(404);
    expect(json).toEqual({
      code: 5,
      message: expect.stringContaining('no-such-workflow'),
      details: [{ '@type': 'type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure' }],
    });
    expect((await post(`${wf('no-such-workflow')}/terminate`, {})).status).toBe(404);
  });

  test('a body that is not JSON, an unknown field, a wrong type: 400, nothing changed', async () => {
    const before = (await handle.fetchHistory()).events?.length;
    const notJson = await post(`${wf()}/signal/addItem`, '{"input": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({
      code: 3,
      message: expect.stringContaining('not JSON'),
      details: [],
    });
    const unknown = await post(`${wf()}/signal/addItem`, { inptu: {} });
    expect(unknown).toMatchObject({
      status: 400,
      json: { code: 3, message: expect.stringContaining('inptu') },
    });
    const wrongType = await post(`${wf()}/signal/addItem`, { input: { payloads: [{ data: 42 }] } });
    expect(wrongType).toMatchObject({ status: 400, json: { code: 3 } });
    const badEnum = await get(`${wf()}/history?historyEventFilterType=SOMETIMES`);
    expect(badEnum).toMatchObject({ status: 400, json: { code: 3 } });
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });

  test('an unknown namespace: 404; an unknown route: 404; another verb: 501', async () => {
    expect(await get('/api/v1/namespaces/nope/workflows')).toMatchObject({ status: 404, json: { code: 5 } });
    // The namespace is checked first, as Temporal's validator does, also for a method not implemented.
    const unknown = await get('/api/v1/namespaces/nope/schedules');
    expect(unknown).toMatchObject({ status: 404, json: { code: 5 } });
    expect(JSON.stringify(unknown.json.details)).toContain('NamespaceNotFoundFailure');
    expect(await get('/api/v1/nothing-here')).toMatchObject({
      status: 404,
      json: { code: 5, message: 'Not Found' },
    });
    expect(await http('DELETE', `/api/v1/namespaces/${NS}/workflows`)).toMatchObject({
      status: 501,
      json: { code: 12 },
    });
  });

  test('a method the server does not implement: 501, UNIMPLEMENTED', async () => {
    const { status, json } = await get(`/api/v1/namespaces/${NS}/schedules`);
    expect(status).toBe(501);
    expect(json).toMatchObject({ code: 12, message: expect.stringContaining('ListSchedules') });
  });
});

describe('the launcher (bin/temporal-devserver server start-dev --http-port)', () => {
  test('--http-port: the start-dev form serves it when given; the test-server form has none', () => {
    expect(parseArgs(['server', 'start-dev', '--port', '7233']).httpPort).toBeUndefined();
    expect(parseArgs(['server', 'start-dev', '--http-port=7243']).httpPort).toBe(7243);
    const testForm = parseArgs(['7233', '--http-port', '7243']);
    expect(testForm.httpPort).toBeUndefined();
    expect(testForm.warnings).toEqual(['ignoring --http-port: the test-server form has no HTTP API']);
    expect(() => parseArgs(['server', 'start-dev', '--http-port', '99999'])).toThrow(/invalid port/);
  });

  /** The CLI form with a state file; resolves once it listens. */
  async function launch(file: string, grpcPort: number, httpPort: number): Promise<ChildProcess> {
    const args = ['server', 'start-dev', '--port', String(grpcPort), '--http-port', String(httpPort)];
    const child = spawn(
      DEVSERVER_BIN,
      [...args, '--db-filename', file, '--log-level', 'info', '--headless'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/listening on/.test(output)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    });
    expect(output).toContain(`HTTP API on 127.0.0.1:${httpPort}`);
    return child;
  }

  test('serves the HTTP API; what it acknowledged survives a SIGKILL right after the answer', async () => {
    const file = path.join(dir, 'cli.db');
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${httpPort}/api/v1/namespaces/${NS}/workflows`;
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${api}${route}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Json };
    };
    let child = await launch(file, grpcPort, httpPort);
    try {
      // No worker: start, signal and terminate are the server's alone.
      const start = (id: string) =>
        call('POST', `/${id}`, { workflowType: { name: 'collector' }, taskQueue: { name: 'nobody' } });
      expect(await start('kept-signal')).toMatchObject({ status: 200, json: { started: true } });
      expect(await start('kept-terminate')).toMatchObject({ status: 200 });
      const signal = await call('POST', '/kept-signal/signal/addItem', {
        input: { payloads: [jsonPayload('x')] },
      });
      expect(signal.status).toBe(200);
      expect((await call('POST', '/kept-terminate/terminate', { reason: 'gone' })).status).toBe(200);
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;

      child = await launch(file, grpcPort, httpPort);
      const history = (await call('GET', '/kept-signal/history')).json.history.events as Json[];
      expect(history.map((e) => e.eventType)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
      const terminated = (await call('GET', '/kept-terminate')).json.workflowExecutionInfo;
      expect(terminated.status).toBe('WORKFLOW_EXECUTION_STATUS_TERMINATED');
      expect(terminated.closeTime).toMatch(RFC3339);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
