/**
 * Malformed or incomplete requests get the proper gRPC status, and the server keeps serving.
 * Uses the in-process server (startDevServer), raw @grpc/grpc-js and the client's raw services.
 */
import { Client as GrpcClient, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { temporal, google } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { startDevServer, type RunningDevServer } from '../../devserver';
import { eventually } from '../helpers/eventually';

let server: RunningDevServer;
let connection: Connection;
let raw: GrpcClient;

beforeAll(async () => {
  server = await startDevServer({ port: 0 });
  connection = await Connection.connect({ address: server.address });
  raw = new GrpcClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  raw?.close();
  await connection?.close();
  await server?.close();
});

const svc = () => connection.workflowService;
const namespace = 'default';

async function grpcError(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('expected the call to fail');
  return err as ServiceError;
}

function rawCall(method: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    raw.makeUnaryRequest(
      `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err, res) => (err ? reject(err) : resolve(res as Buffer)),
    ),
  );
}

async function expectStillServing(): Promise<void> {
  const info = await svc().getSystemInfo({});
  expect(info.serverVersion).toBeTruthy();
}

test('missing required fields answer INVALID_ARGUMENT naming the field', async () => {
  const missingNs = await grpcError(svc().startWorkflowExecution({}));
  expect(missingNs.code).toBe(status.INVALID_ARGUMENT);
  expect(missingNs.details).toMatch(/Namespace/);
  const base = { namespace, workflowId: 'w', workflowType: { name: 't' }, taskQueue: { name: 'q' } };
  for (const [field, req] of [
    ['WorkflowId', { ...base, workflowId: '' }],
    ['WorkflowType', { ...base, workflowType: {} }],
    ['TaskQueue', { ...base, taskQueue: {} }],
  ] as const) {
    const err = await grpcError(svc().startWorkflowExecution(req));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain(field);
  }
  const noSignal = await grpcError(
    svc().signalWorkflowExecution({ namespace, workflowExecution: { workflowId: 'w' } }),
  );
  expect(noSignal.code).toBe(status.INVALID_ARGUMENT);
  expect(noSignal.details).toContain('SignalName');
  const noTaskQueue = await grpcError(svc().pollWorkflowTaskQueue({ namespace }));
  expect(noTaskQueue.details).toContain('TaskQueue');
  await expectStillServing();
});

test('unknown namespaces and executions answer NOT_FOUND', async () => {
  const ns = await grpcError(svc().describeNamespace({ namespace: 'nope' }));
  expect(ns.code).toBe(status.NOT_FOUND);
  const wf = await grpcError(
    svc().describeWorkflowExecution({ namespace, execution: { workflowId: 'does-not-exist' } }),
  );
  expect(wf.code).toBe(status.NOT_FOUND);
  const sig = await grpcError(
    svc().signalWorkflowExecution({
      namespace,
      workflowExecution: { workflowId: 'does-not-exist' },
      signalName: 's',
    }),
  );
  expect(sig.code).toBe(status.NOT_FOUND);
  await expectStillServing();
});

test('a duplicate start answers ALREADY_EXISTS with WorkflowExecutionAlreadyStartedFailure details', async () => {
  const req = {
    namespace,
    workflowId: 'dup-raw',
    workflowType: { name: 't' },
    taskQueue: { name: 'q' },
    requestId: 'r1',
  };
  const { runId } = await svc().startWorkflowExecution(req);
  const err = await grpcError(svc().startWorkflowExecution({ ...req, requestId: 'r2' }));
  expect(err.code).toBe(status.ALREADY_EXISTS);
  const detailBytes = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
  const details = google.rpc.Status.decode(detailBytes).details;
  expect(details[0]?.type_url).toBe(
    'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
  );
  const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(
    details[0]!.value!,
  );
  expect(failure.runId).toBe(runId);
  // Same request id: the start is idempotent.
  await expect(svc().startWorkflowExecution(req)).resolves.toMatchObject({ runId });
  await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'dup-raw' } });
});

// service/frontend/workflow_handler_test.go (TestExecuteMultiOperation): what update-with-start
// refuses, in Temporal's words; the refused operation carries the reason, the other is aborted.
test('update-with-start refuses eager start, cron, a start delay and run ids; nothing starts', async () => {
  const start = { namespace, workflowId: 'uws-bad', workflowType: { name: 't' }, taskQueue: { name: 'q' } };
  const update = {
    namespace,
    workflowExecution: { workflowId: 'uws-bad' },
    request: { meta: { updateId: 'u' }, input: { name: 'upd' } },
  };
  const cases = [
    [{ requestEagerExecution: true }, {}, 0, 'RequestEagerExecution is not supported.'],
    [{ cronSchedule: '* * * * *' }, {}, 0, 'CronSchedule is not allowed.'],
    [{ workflowStartDelay: msToTs(1000) }, {}, 0, 'WorkflowStartDelay is not supported.'],
    [{}, { workflowExecution: { workflowId: 'uws-bad', runId: 'r' } }, 1, 'RunId is not allowed.'],
    [{}, { firstExecutionRunId: 'r' }, 1, 'FirstExecutionRunId is not allowed.'],
  ] as const;
  for (const [startFields, updateFields, failed, message] of cases) {
    const err = await grpcError(
      svc().executeMultiOperation({
        namespace,
        operations: [
          { startWorkflow: { ...start, ...startFields } },
          { updateWorkflow: { ...update, ...updateFields } },
        ],
      }),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe('Update-with-Start could not be executed.');
    const [detail] = google.rpc.Status.decode(
      err.metadata.get('grpc-status-details-bin')[0] as Buffer,
    ).details;
    const { statuses } = temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(detail!.value!);
    expect(statuses.map((st) => [st.code, st.message])).toEqual(
      [0, 1].map((i) =>
        i === failed ? [status.INVALID_ARGUMENT, message] : [status.ABORTED, 'Operation was aborted.'],
      ),
    );
  }
  const described = await grpcError(
    svc().describeWorkflowExecution({ namespace, execution: { workflowId: 'uws-bad' } }),
  );
  expect(described.code).toBe(status.NOT_FOUND);
  // A zero start delay is no delay: accepted, as Temporal's frontend accepts it.
  const started = grpcError(
    svc().executeMultiOperation({
      namespace,
      operations: [
        { startWorkflow: { ...start, workflowStartDelay: msToTs(0), requestId: 'r' } },
        { updateWorkflow: { ...update, waitPolicy: { lifecycleStage: 1 } } },
      ],
    }),
  );
  const running = await eventually(
    () =>
      svc()
        .describeWorkflowExecution({ namespace, execution: { workflowId: 'uws-bad' } })
        .catch(() => undefined),
    (d) => d !== undefined,
  );
  expect(running?.workflowExecutionInfo?.type?.name).toBe('t');
  // No worker: the update waits for acceptance until the run closes, which aborts it.
  await svc().terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'uws-bad' } });
  expect((await started).details).toBe('workflow update was aborted by closing workflow');
});

test('undecodable bytes answer INVALID_ARGUMENT; unimplemented methods answer UNIMPLEMENTED at once', async () => {
  const garbage = await grpcError(
    rawCall('StartWorkflowExecution', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])),
  );
  expect(garbage.code).toBe(status.INVALID_ARGUMENT);
  const unimplemented = await grpcError(svc().createSchedule({ namespace }));
  expect(unimplemented.code).toBe(status.UNIMPLEMENTED);
  expect(unimplemented.details).toMatch(/unknown method/);
  await expectStillServing();
});

test('bad task tokens, malformed commands and page tokens are rejected; the task can still complete', async () => {
  const emptyToken = await grpcError(svc().respondWorkflowTaskCompleted({ namespace }));
  expect(emptyToken.code).toBe(status.INVALID_ARGUMENT);
  expect(emptyToken.details).toContain('taskToken');
  const forged = await grpcError(
    svc().respondActivityTaskCompleted({ namespace, taskToken: Buffer.from('not a token') }),
  );
  expect(forged.code).toBe(status.INVALID_ARGUMENT);

  await svc().startWorkflowExecution({
    namespace,
    workflowId: 'raw-task',
    workflowType: { name: 't' },
    taskQueue: { name: 'raw-q' },
  });
  const task = await svc().pollWorkflowTaskQueue({
    namespace,
    taskQueue: { name: 'raw-q' },
    identity: 'test',
  });
  expect(task.taskToken?.length).toBeGreaterThan(0);
  const badCommand = await grpcError(
    svc().respondWorkflowTaskCompleted({
      namespace,
      taskToken: task.taskToken,
      commands: [{ commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_TIMER }],
    }),
  );
  expect(badCommand.code).toBe(status.INVALID_ARGUMENT);
  expect(badCommand.details).toContain('startTimerCommandAttributes');
  await svc().respondWorkflowTaskCompleted({
    namespace,
    taskToken: task.taskToken,
    commands: [
      {
        commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
        completeWorkflowExecutionCommandAttributes: {},
      },
    ],
  });
  const done = await svc().describeWorkflowExecution({ namespace, execution: { workflowId: 'raw-task' } });
  expect(done.workflowExecutionInfo?.status).toBe(
    temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
  );
  // The same token again: the task is gone.
  const stale = await grpcError(svc().respondWorkflowTaskCompleted({ namespace, taskToken: task.taskToken }));
  expect(stale.code).toBe(status.NOT_FOUND);
  const badPage = await grpcError(
    svc().getWorkflowExecutionHistory({
      namespace,
      execution: { workflowId: 'raw-task' },
      nextPageToken: Buffer.from('{'),
    }),
  );
  expect(badPage.code).toBe(status.INVALID_ARGUMENT);
  await expectStillServing();
});

test('TestService: the counted lock refuses to go below zero', async () => {
  const ts = temporal.api.testservice.v1.TestService.create((method, requestData, callback) =>
    raw.makeUnaryRequest(
      `/temporal.api.testservice.v1.TestService/${method.name}`,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      requestData,
      (err, res) => callback(err, res),
    ),
  );
  await ts.unlockTimeSkipping({});
  const err = await grpcError(ts.unlockTimeSkipping({}));
  expect(err.code).toBe(status.FAILED_PRECONDITION);
  await ts.lockTimeSkipping({});
  const before = await ts.getCurrentTime({});
  await ts.unlockTimeSkippingWithSleep({ duration: msToTs(3_600_000) });
  const after = await ts.getCurrentTime({});
  expect(Number(after.time?.seconds) - Number(before.time?.seconds)).toBeGreaterThanOrEqual(3600);
  // Locked again after the sleep: a second unlock works once.
  await ts.unlockTimeSkipping({});
  await ts.lockTimeSkipping({});
});

test('a compressed GetSystemInfo is refused naming grpc-encoding; other compressed calls are served', async () => {
  // What the SDK's core sends by default: every request gzipped. On this answer the core connects
  // again without compression (it retries once when the message names grpc-encoding).
  const gzip = new GrpcClient(server.address, credentials.createInsecure(), {
    'grpc.default_compression_algorithm': 2,
  });
  const call = (method: string, body: Buffer) =>
    new Promise<Buffer>((resolve, reject) =>
      gzip.makeUnaryRequest(
        `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        (err, res) => (err ? reject(err) : resolve(res as Buffer)),
      ),
    );
  try {
    const refused = await grpcError(call('GetSystemInfo', Buffer.alloc(0)));
    expect(refused.code).toBe(status.UNIMPLEMENTED);
    expect(refused.details.toLowerCase()).toContain('grpc-encoding');
    const request = temporal.api.workflowservice.v1.DescribeNamespaceRequest.encode({ namespace }).finish();
    const described = temporal.api.workflowservice.v1.DescribeNamespaceResponse.decode(
      await call('DescribeNamespace', Buffer.from(request)),
    );
    expect(described.namespaceInfo?.name).toBe(namespace);
    // Uncompressed, GetSystemInfo answers as usual.
    await expectStillServing();
  } finally {
    gzip.close();
  }
});
