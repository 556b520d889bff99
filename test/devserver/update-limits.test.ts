/**
 * Temporal's update registry limits (history.maxInFlightUpdates, default 10), as the SDK's
 * test-integration-update "updateWithStart failure: update fails early due to limit on number of
 * updates" sees them: the 11th update-with-start of a run holding 10 accepted updates is refused
 * with RESOURCE_EXHAUSTED, changing nothing. history.maxTotalUpdates and a restart are covered in
 * persistence.test.ts (limits set there by dynamic config).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  Client,
  Connection,
  isGrpcServiceError,
  WithStartWorkflowOperation,
  type WorkflowHandle,
} from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { parseDynamicConfigFlags, DynamicConfigError } from '../../devserver/dynamicConfig';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';

const { EventType, ResourceExhaustedCause, ResourceExhaustedScope, UpdateWorkflowExecutionLifecycleStage } =
  temporal.api.enums.v1;
const t = useConformanceEnv();

// The client retries RESOURCE_EXHAUSTED for about a minute by default; this one answers at once.
let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: t.env.address, interceptors: [] });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
});

async function grpcError(call: Promise<unknown>) {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isGrpcServiceError(err)) throw new Error(`expected a gRPC error, got ${String(err)}`);
  return err;
}

async function acceptedUpdates(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events!.filter(
    (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  ).length;
}

test('history.maxInFlightUpdates and history.maxTotalUpdates are dynamic config keys (whole numbers >= 0)', () => {
  const { values, warnings } = parseDynamicConfigFlags([
    'history.maxInFlightUpdates=3',
    'history.maxTotalUpdates=0',
  ]);
  expect(values).toEqual({ 'history.maxInFlightUpdates': 3, 'history.maxTotalUpdates': 0 });
  expect(warnings).toEqual([]);
  expect(() => parseDynamicConfigFlags(['history.maxInFlightUpdates=-1'])).toThrow(DynamicConfigError);
});

describeEachCacheMode(t, (w) => {
  test('updateWithStart failure: update fails early due to limit on number of updates', async () => {
    const workflowId = uid('update-limit');
    const makeStartOp = () =>
      new WithStartWorkflowOperation('holdsUpdates', {
        workflowId,
        taskQueue: w.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    for (let i = 0; i < 10; i++) {
      const startOp = makeStartOp();
      await client.workflow.startUpdateWithStart('neverReturningUpdate', {
        updateId: `u${i}`,
        waitForStage: 'ACCEPTED',
        startWorkflowOperation: startOp,
      });
      await startOp.workflowHandle();
    }
    // The 11th is refused, both by the call and through the start operation's handle.
    const startOp = makeStartOp();
    const refused = client.workflow.startUpdateWithStart('neverReturningUpdate', {
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: startOp,
    });
    for (const promise of [refused, startOp.workflowHandle()]) {
      const err = await grpcError(promise);
      expect(err.code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
      expect(err.message).toContain('limit on number of concurrent in-flight updates has been reached (10)');
    }

    // Nothing changed: still 10 accepted, the run still running.
    const handle = client.workflow.getHandle(workflowId);
    expect(await acceptedUpdates(handle)).toBe(10);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A plain update is refused the same way, with Temporal's failure detail.
    const err = await grpcError(
      connection.workflowService.updateWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId },
        request: { meta: { updateId: 'eleventh' }, input: { name: 'neverReturningUpdate' } },
      }),
    );
    expect(err.code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
    expect(err.details).toBe('limit on number of concurrent in-flight updates has been reached (10)');
    const [detail] = google.rpc.Status.decode(
      err.metadata.get('grpc-status-details-bin')[0] as Buffer,
    ).details;
    expect(detail?.type_url).toBe(
      'type.googleapis.com/temporal.api.errordetails.v1.ResourceExhaustedFailure',
    );
    expect(temporal.api.errordetails.v1.ResourceExhaustedFailure.decode(detail!.value!)).toMatchObject({
      cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
      scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    });
    expect(await acceptedUpdates(handle)).toBe(10);
    // A retried update (an id already admitted) is no new one: it still answers.
    const retried = await connection.workflowService.updateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      request: { meta: { updateId: 'u0' }, input: { name: 'neverReturningUpdate' } },
      waitPolicy: {
        lifecycleStage:
          UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
      },
    });
    expect(retried.stage).toBe(
      UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED,
    );
    await handle.terminate('done');
  });
});
