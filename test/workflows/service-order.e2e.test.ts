import type { WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../../domain';
import {
  listingWorkflowId,
  orderWorkflowId,
  type OrderView,
  type ServiceListingInput,
  type ServiceOrderInput,
} from '../../workflows/contract';
import { useWorkflowTestEnv, statusWhen, status, orderIdOf } from './support/environment';

const isv: Actor = { role: 'isv', id: 'isv-4' };
const merchant: Actor = { role: 'merchant', id: 'm-8' };
const admin: Actor = { role: 'admin', id: 'admin-1' };

const t = useWorkflowTestEnv();

async function start(): Promise<WorkflowHandle> {
  const orderId = t.id('svc');
  const input: ServiceOrderInput = {
    orderId,
    listingId: 'l-1',
    isvId: isv.id,
    merchantId: merchant.id,
    createdBy: merchant,
  };
  return t.env.client.workflow.start('serviceOrder', {
    args: [input],
    taskQueue: t.taskQueue,
    workflowId: orderWorkflowId(orderId),
  });
}

const signalAll = async (handle: WorkflowHandle, steps: readonly (readonly [string, Actor, object?])[]) => {
  for (const [action, actor, fields] of steps)
    await handle.signal(action, { actor, ...(fields ? { fields } : {}) });
};

describe('service order workflow', () => {
  it('happy path: accept, confirm, submit (merchant told), changes requested, submit, approve -> completed', async () => {
    const handle = await start();
    expect(await status(handle)).toMatchObject({
      status: 'new_order',
      parties: { isvId: isv.id, merchantId: merchant.id },
    });
    await signalAll(handle, [
      ['accept', isv],
      ['confirm', merchant],
      ['submit', isv],
      ['reject', merchant, { reason: 'logo too small' }],
    ]);
    expect(await status(handle)).toMatchObject({ status: 'in_development', statusReason: 'logo too small' });
    await signalAll(handle, [
      ['submit', isv],
      ['approve', merchant],
    ]);
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('completed');
    expect(view.transitions.filter((e) => e.outcome === 'accepted').map((e) => e.to)).toEqual([
      'new_order',
      'pending_confirmation',
      'in_development',
      'under_approval',
      'in_development',
      'under_approval',
      'completed',
    ]);
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
      'isv_new_service_order',
      'merchant_delivery_awaiting_approval',
      'merchant_delivery_awaiting_approval',
      'service_order_completed',
    ]);
  });

  it.each([
    ['the ISV rejects the new order', [['reject', isv, { reason: 'fully booked' }]]],
    [
      'the merchant rejects at confirmation',
      [
        ['accept', isv],
        ['reject', merchant, { reason: 'found another ISV' }],
      ],
    ],
    [
      'the ISV cancels the development',
      [
        ['accept', isv],
        ['confirm', merchant],
        ['cancel', isv, { reason: 'requirements unclear' }],
      ],
    ],
  ] as const)('%s: canceled, the workflow ends', async (_name, steps) => {
    const handle = await start();
    await signalAll(handle, steps);
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('canceled');
    expect(view.statusReason).toBe((steps.at(-1)![2] as { reason: string }).reason);
  });

  it('signals out of order or from the wrong party are refused without a change', async () => {
    const handle = await start();
    await signalAll(handle, [
      ['confirm', merchant],
      ['accept', merchant],
      ['accept', { role: 'isv', id: 'isv-other' }],
      ['approve', admin],
    ]);
    const view = await status(handle);
    expect(view.status).toBe('new_order');
    expect(view.transitions.filter((e) => e.outcome === 'refused').map((e) => e.refusal)).toEqual([
      'status_not_allowed',
      'role_not_allowed',
      'not_party',
      'role_not_allowed',
    ]);
    await signalAll(handle, [['reject', isv, { reason: 'done testing' }]]);
    await handle.result();
  });
});

describe('service listing workflow', () => {
  it('draft -> pending review -> turned down -> draft -> online -> archived', async () => {
    const listingId = t.id('lst');
    const input: ServiceListingInput = {
      listingId,
      isvId: isv.id,
      name: 'Loyalty mini program',
      createdBy: isv,
    };
    const handle = await t.env.client.workflow.start('serviceListing', {
      args: [input],
      taskQueue: t.taskQueue,
      workflowId: listingWorkflowId(listingId),
    });
    await signalAll(handle, [
      ['submit', isv],
      ['reject', admin, { reason: 'missing screenshots' }],
    ]);
    expect(await status(handle)).toMatchObject({
      kind: 'listing',
      status: 'turned_down',
      statusReason: 'missing screenshots',
    });
    await signalAll(handle, [
      ['edit', isv],
      ['submit', isv],
      ['approve', admin],
    ]);
    expect((await status(handle)).status).toBe('online');
    await signalAll(handle, [['archive', isv]]);
    expect(((await handle.result()) as OrderView).status).toBe('archived');
    expect(await t.observed.projectedListing(listingId)).toMatchObject({ status: 'archived' });
  });
});

describe('continue-as-new', () => {
  it('a long-lived order hands over to new runs, keeping its trail, request ids and sent emails', async () => {
    const orderId = t.id('svc-can');
    const input: ServiceOrderInput = {
      orderId,
      listingId: 'l-1',
      isvId: isv.id,
      merchantId: merchant.id,
      createdBy: merchant,
      historyLimit: 20,
    };
    const handle = await t.env.client.workflow.start('serviceOrder', {
      args: [input],
      taskQueue: t.taskQueue,
      workflowId: orderWorkflowId(orderId),
    });
    const firstRunId = handle.firstExecutionRunId;
    await handle.signal('accept', { actor: isv, requestId: 'accept-1' });
    for (let i = 0; i < 8; i += 1) await handle.signal('confirm', { actor: isv });
    // The hand-over happens once the worker has handled the signals: wait for the new run.
    await statusWhen(
      async () => {
        const d = await handle.describe();
        return { runId: d.runId, historyLength: d.historyLength };
      },
      (d) => d.runId !== firstRunId,
    );

    await handle.signal('accept', { actor: isv, requestId: 'accept-1' });
    await signalAll(handle, [
      ['confirm', merchant],
      ['submit', isv],
      ['approve', merchant],
    ]);
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('completed');
    expect(view.transitions.map((e) => e.sequence)).toEqual(view.transitions.map((_e, i) => i + 1));
    expect(view.transitions.filter((e) => e.refusal === 'role_not_allowed')).toHaveLength(8);
    expect(view.transitions.filter((e) => e.refusal === 'duplicate')).toHaveLength(1);
    expect(view.createdAt).toBe(view.transitions[0]!.at);
    expect(t.observed.emailsFor(orderId)).toEqual([
      'isv_new_service_order',
      'merchant_delivery_awaiting_approval',
      'service_order_completed',
    ]);
    expect((await t.observed.projectedOrder(orderId))?.auditEntries.map((e) => e.sequence)).toEqual(
      view.transitions.map((e) => e.sequence),
    );
  });
});
