import type { WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../../domain';
import { type OrderView, type SalesOrderInput } from '../../workflows/contract';
import { DAY_MS, useWorkflowTestEnv, statusWhen, status, orderIdOf } from './support/environment';
import { startSales } from './support/scenarios';

const salesperson: Actor = { role: 'salesperson', id: 'sp-3' };
const customer: Actor = { role: 'customer', id: 'cu-9' };
const admin: Actor = { role: 'admin', id: 'admin-1' };

const t = useWorkflowTestEnv();

const start = (extra: Partial<SalesOrderInput> = {}) =>
  startSales(t, { salespersonId: salesperson.id, customerId: customer.id, createdBy: salesperson, ...extra });

const virtualNow = async () => t.env.currentTimeMs();
const iso = (ms: number) => new Date(ms).toISOString();

async function approvedByAdmin(extra: Partial<SalesOrderInput> = {}) {
  const handle = await start(extra);
  await handle.signal('submit', { actor: salesperson });
  await handle.signal('approve', { actor: admin });
  return handle;
}

async function archive(handle: WorkflowHandle) {
  await handle.signal('archive', { actor: salesperson });
  const view = (await handle.result()) as OrderView;
  expect(view).toMatchObject({ status: 'archived', archived: true });
  return view;
}

describe('sales order workflow', () => {
  it('customer approval with activation scheduled 14 days ahead activates on the date', async () => {
    const activateAt = (await virtualNow()) + 14 * DAY_MS;
    const handle = await start({ activateAt: iso(activateAt) });
    await handle.signal('send_for_customer_approval', { actor: salesperson });
    expect(await status(handle)).toMatchObject({
      status: 'awaiting_customer_approval',
      approvalRoute: 'customer',
    });
    await handle.signal('approve', { actor: customer });
    expect(await status(handle)).toMatchObject({ status: 'scheduled_activation' });

    await t.env.sleep(activateAt - (await virtualNow()) - 1000);
    expect((await status(handle)).status).toBe('scheduled_activation');
    await t.env.sleep(2000);
    const activated = await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    const started = activated.transitions.find((e) => e.action === 'start_activation');
    expect(Date.parse(started!.at)).toBeGreaterThanOrEqual(activateAt);
    expect(activated.services.map((s) => s.status)).toEqual(['activated', 'activated']);
    await statusWhen(
      async () => t.observed.emailsFor(orderIdOf(handle)),
      (emails) => emails.includes('customer_order_activated'),
    );
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
      'customer_approval_requested',
      'customer_order_activated',
    ]);
    await archive(handle);
  });

  it('the offer expires while awaiting approval: canceled with reason "offer expired"', async () => {
    const expiresAt = (await virtualNow()) + 3 * DAY_MS;
    const handle = await start();
    await handle.signal('submit', { actor: salesperson, fields: { expiresAt: iso(expiresAt) } });
    expect(await status(handle)).toMatchObject({ status: 'submitted', expiresAt: iso(expiresAt) });
    await t.env.sleep(expiresAt - (await virtualNow()) + 1000);
    const view = await status(handle);
    expect(view).toMatchObject({ status: 'canceled', statusReason: 'offer expired' });
    expect(view.transitions.at(-1)).toMatchObject({ action: 'expire_offer', actor: { role: 'system' } });
    // Too late to approve now.
    await handle.signal('approve', { actor: admin });
    expect((await status(handle)).transitions.at(-1)).toMatchObject({
      action: 'approve',
      outcome: 'refused',
    });
    await archive(handle);
  });

  it('declined with a reason (customer emailed), resubmitted to the same approver, approved', async () => {
    const handle = await start();
    await handle.signal('send_for_customer_approval', { actor: salesperson });
    await handle.signal('reject', { actor: customer, fields: { reason: 'too expensive' } });
    expect(await status(handle)).toMatchObject({ status: 'declined', statusReason: 'too expensive' });
    await handle.signal('resubmit', { actor: salesperson });
    await handle.signal('approve', { actor: admin });
    expect((await status(handle)).status).toBe('resubmitted');
    await handle.signal('approve', { actor: customer });
    await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    // Emails drain after the status changes: wait for this one to arrive.
    const [declined] = await statusWhen(
      async () =>
        t.observed
          .messagesFor(orderIdOf(handle))
          .filter((m) => m.template === 'salesperson_order_declined')
          .map((m) => m.mail),
      (mails) => mails.length > 0,
    );
    // The salesperson is told, to reach out to the customer and resubmit.
    const party = await t.observed.prisma.party.findUniqueOrThrow({ where: { id: salesperson.id } });
    expect(declined?.to).toMatchObject({ value: [{ address: party.email }] });
    expect(declined?.text).toContain('Reason: too expensive');
    expect(declined?.text).toContain('declined by the customer');
    await archive(handle);
  });

  it('partial activation errors give the reason per product; admin retry activates only the failed one', async () => {
    t.observed.failingProducts.add('seo-pack');
    const handle = await approvedByAdmin();
    const orderId = orderIdOf(handle);
    const errors = await statusWhen(
      () => status(handle),
      (v) => v.status === 'activation_errors',
    );
    expect(errors.statusReason).toBe('seo-pack: panel refused to activate for product seo-pack');
    expect(errors.services.map((s) => [s.orderItemId, s.status, s.lastError])).toEqual([
      ['crm', 'activated', undefined],
      ['seo', 'failed', 'panel refused to activate for product seo-pack'],
    ]);
    t.observed.failingProducts.delete('seo-pack');
    await handle.signal('retry', { actor: salesperson });
    expect((await status(handle)).transitions.at(-1)).toMatchObject({
      action: 'retry',
      refusal: 'role_not_allowed',
    });
    await handle.signal('retry', { actor: admin });
    const activated = await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    expect(activated.services.map((s) => [s.status, s.attempts])).toEqual([
      ['activated', 1],
      ['activated', 2],
    ]);
    // crm once; seo twice in the first round (maximumAttempts 2), once more after the retry.
    const calls = (item: string) =>
      t.observed.provisioningCalls.filter((c) => c === `${orderId}:${item}`).length;
    expect([calls('crm'), calls('seo')]).toEqual([1, 3]);
    await handle.signal('archive', { actor: admin });
    expect((await handle.result()).status).toBe('archived');
  });

  it('cancellation requested then rejected (back to activated), requested again then approved (canceled)', async () => {
    const handle = await approvedByAdmin();
    await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    await handle.signal('request_cancellation', { actor: customer, fields: { reason: 'closing the shop' } });
    expect(await status(handle)).toMatchObject({ status: 'cancellation_requested' });
    await handle.signal('reject', { actor: admin, fields: { reason: 'contract runs a year' } });
    expect(await status(handle)).toMatchObject({ status: 'activated', statusReason: 'contract runs a year' });
    await handle.signal('request_cancellation', { actor: salesperson });
    await handle.signal('approve', { actor: admin });
    expect((await status(handle)).status).toBe('canceled');
    // Emails drain after the status changes (each once its projection is written): wait for it.
    await statusWhen(
      async () => t.observed.emailsFor(orderIdOf(handle)),
      (emails) => emails.includes('admin_cancellation_requested'),
    );
    await archive(handle);
  });

  it('out-of-order and duplicate signals are refused without a change', async () => {
    const handle = await start();
    await handle.signal('approve', { actor: customer });
    await handle.signal('submit', { actor: salesperson, requestId: 'r-1' });
    const submitted = await status(handle);
    await handle.signal('submit', { actor: salesperson, requestId: 'r-1' });
    await handle.signal('approve', { actor: customer });
    await handle.signal('activate', { actor: admin });
    const after = await status(handle);
    expect({ ...after, transitions: [], updatedAt: '' }).toEqual({
      ...submitted,
      transitions: [],
      updatedAt: '',
    });
    expect(
      after.transitions.filter((e) => e.outcome === 'refused').map((e) => [e.action, e.refusal]),
    ).toEqual([
      ['approve', 'status_not_allowed'],
      ['submit', 'duplicate'],
      ['approve', 'status_not_allowed'],
      ['activate', 'unknown_signal'],
    ]);
    await handle.signal('cancel', { actor: admin, fields: { reason: 'test over' } });
    await archive(handle);
  });
});

describe('continue-as-new', () => {
  it('carries status, approval route, products and the trail across runs', async () => {
    const handle = await start({ historyLimit: 25 });
    const firstRunId = (await handle.describe()).runId;
    await handle.signal('send_for_customer_approval', { actor: salesperson });
    for (let i = 0; i < 10; i += 1) await handle.signal('approve', { actor: admin });
    // The hand-over happens once the worker has handled the signals: wait for the new run.
    await statusWhen(
      async () => {
        const d = await handle.describe();
        return { runId: d.runId, historyLength: d.historyLength };
      },
      (d) => d.runId !== firstRunId,
    );
    expect(await status(handle)).toMatchObject({
      status: 'awaiting_customer_approval',
      approvalRoute: 'customer',
    });
    await handle.signal('approve', { actor: customer });
    const activated = await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    expect(activated.services.map((s) => [s.status, s.attempts])).toEqual([
      ['activated', 1],
      ['activated', 1],
    ]);
    const view = await archive(handle);
    expect(view.transitions.map((e) => e.sequence)).toEqual(view.transitions.map((_e, i) => i + 1));
    expect(view.transitions.filter((e) => e.outcome === 'refused')).toHaveLength(10);
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
      'customer_approval_requested',
      'customer_order_activated',
    ]);
  });
});
