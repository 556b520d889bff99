import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { Actor } from '../../domain';
import { FAILURE_MESSAGE_MAX, failureMessage } from '../../workflows/order/activities';
import type { CheckoutOrderInput } from '../../workflows/contract';
import { CheckoutState } from '../../workflows/state/checkout';
import { InvalidOrderInput } from '../../workflows/state/base';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;
const client: Actor = { role: 'client', id: 'client-1' };
const admin: Actor = { role: 'admin', id: 'admin-1' };
const webhook: Actor = { role: 'system', id: 'payments' };

const input = (settings: Partial<CheckoutOrderInput['settings']> = {}): CheckoutOrderInput => ({
  orderId: 'o-1',
  clientId: client.id,
  currency: 'EUR',
  createdBy: client,
  settings: { autoApprove: true, invoiceDueDays: 7, autoCancelOnExpiry: true, ...settings },
  items: [
    { id: 'i1', productId: 'p-host', productType: 'hosting', quantity: 1, unitPriceCents: 1000 },
    { id: 'i2', productId: 'p-domain', productType: 'other', quantity: 2, unitPriceCents: 250 },
  ],
});

const pay = (requestId?: string) => ({
  actor: webhook,
  fields: { amountCents: 1500, reference: 'pay-1' },
  ...(requestId ? { requestId } : {}),
});

describe('CheckoutState', () => {
  it('starts pending with an unpaid invoice due after the configured days, and a create entry', () => {
    const order = new CheckoutState(input(), T0);
    const view = order.view();
    expect(view.status).toBe('pending');
    expect(view.invoice).toMatchObject({
      id: 'o-1-invoice',
      status: 'unpaid',
      amountCents: 1500,
      dueAt: at(7 * DAY).toISOString(),
      overdue: false,
    });
    expect(view.transitions).toEqual([
      expect.objectContaining({
        sequence: 1,
        action: 'create',
        from: null,
        to: 'pending',
        outcome: 'accepted',
      }),
    ]);
    expect(order.invoiceDueAt).toBe(T0.getTime() + 7 * DAY);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => new CheckoutState({ ...input(), items: [] }, T0)).toThrow(InvalidOrderInput);
    expect(
      () => new CheckoutState({ ...input(), settings: { ...input().settings, invoiceDueDays: -1 } }, T0),
    ).toThrow(/invoiceDueDays/);
    // Every amount column is an int4: a larger total would be refused by the projection forever.
    const huge = input().items.map((item) => ({ ...item, unitPriceCents: 2_000_000_000 }));
    expect(() => new CheckoutState({ ...input(), items: huge }, T0)).toThrow(/order total must be at most/);
  });

  it('pay marks the invoice paid (order stays pending); auto_approve then creates one service per item', () => {
    const order = new CheckoutState(input(), T0);
    expect(order.signal('pay', pay(), at(1000)).ok).toBe(true);
    expect(order.status).toBe('pending');
    expect(order.invoicePaid).toBe(true);
    expect(order.view().invoice).toMatchObject({
      status: 'paid',
      paidAmountCents: 1500,
      paymentReference: 'pay-1',
    });
    // The order confirmation at creation, the receipt on payment, both to the client.
    expect(order.outbox).toEqual([
      {
        orderId: 'o-1',
        template: 'order_confirmation',
        to: { partyId: 'client-1' },
        data: { autoApprove: true },
      },
      {
        orderId: 'o-1',
        template: 'payment_receipt',
        to: { partyId: 'client-1' },
        data: { amountCents: 1500, reference: 'pay-1', autoApprove: true },
      },
    ]);
    expect(order.system('auto_approve', at(1000)).ok).toBe(true);
    expect(order.status).toBe('active');
    expect(order.servicesToProvision().map((s) => s.serviceId)).toEqual(['o-1-service-1', 'o-1-service-2']);
    expect(order.finished).toBe(false);
  });

  it('with auto-approve off, payment emails the admins and an admin approves', () => {
    const order = new CheckoutState(input({ autoApprove: false }), T0);
    order.signal('pay', pay(), at(1000));
    expect(order.outbox.slice(1)).toEqual([
      expect.objectContaining({ template: 'payment_receipt', to: { partyId: 'client-1' } }),
      {
        orderId: 'o-1',
        template: 'admin_order_awaiting_review',
        to: { admins: true },
        data: { clientId: 'client-1', amountCents: 1500, reference: 'pay-1' },
      },
    ]);
    expect(order.signal('approve', { actor: client }, at(2000))).toMatchObject({
      ok: false,
      code: 'role_not_allowed',
    });
    expect(order.signal('approve', { actor: admin }, at(2000)).ok).toBe(true);
    expect(order.status).toBe('active');
  });

  it('admin reject as fraud cancels the unpaid invoice and records the reason', () => {
    const order = new CheckoutState(input({ autoApprove: false }), T0);
    order.signal('reject', { actor: admin, fields: { reason: 'stolen card', outcome: 'fraud' } }, at(1000));
    const view = order.view();
    expect(view).toMatchObject({ status: 'fraud', statusReason: 'stolen card', previousStatus: 'pending' });
    expect(view.invoice?.status).toBe('cancelled');
    expect(order.decided && order.finished).toBe(true);
  });

  it('expire_invoice is refused before the due date and accepted at it', () => {
    const order = new CheckoutState(input(), T0);
    expect(order.system('expire_invoice', at(7 * DAY - 1000))).toMatchObject({
      ok: false,
      code: 'status_not_allowed',
    });
    expect(order.status).toBe('pending');
    expect(order.system('expire_invoice', at(7 * DAY)).ok).toBe(true);
    expect(order.view()).toMatchObject({ status: 'cancelled', invoice: { status: 'cancelled' } });
    // A payment after the auto-cancel is refused and changes nothing.
    expect(order.signal('pay', pay(), at(7 * DAY + 1000))).toMatchObject({
      ok: false,
      code: 'status_not_allowed',
    });
    expect(order.view().invoice?.status).toBe('cancelled');
  });

  it('overdue (auto-cancel off) keeps the order pending and still accepts a payment', () => {
    const order = new CheckoutState(input({ autoCancelOnExpiry: false }), T0);
    const revision = order.ledger.revision;
    order.markOverdue(at(7 * DAY));
    expect(order.ledger.revision).toBeGreaterThan(revision);
    expect(order.view().invoice).toMatchObject({ status: 'unpaid', overdue: true });
    expect(order.signal('pay', pay(), at(7 * DAY + 1000)).ok).toBe(true);
    expect(order.view().invoice).toMatchObject({ status: 'paid', overdue: false });
  });

  it('a duplicate request id is refused without a change', () => {
    const order = new CheckoutState(input({ autoApprove: false }), T0);
    expect(order.signal('pay', pay('req-1'), at(1000)).ok).toBe(true);
    const before = order.view();
    const again = order.signal('pay', pay('req-1'), at(2000));
    expect(again).toMatchObject({ ok: false, code: 'duplicate' });
    const after = order.view();
    expect({ ...after, transitions: [] }).toEqual({ ...before, transitions: [] });
    expect(after.transitions.at(-1)).toMatchObject({
      action: 'pay',
      outcome: 'refused',
      refusal: 'duplicate',
      to: null,
    });
  });

  it('malformed and unknown signals are refused and recorded', () => {
    const order = new CheckoutState(input(), T0);
    expect(order.signal('pay', { fields: {} }, at(1))).toMatchObject({ ok: false, code: 'invalid_signal' });
    expect(order.signal('pay', 'nonsense', at(1))).toMatchObject({ ok: false, code: 'invalid_signal' });
    expect(order.signal('auto_approve', { actor: webhook }, at(1))).toMatchObject({
      ok: false,
      code: 'unknown_signal',
    });
    expect(order.signal('pay', { actor: client, fields: { amountCents: -5 } }, at(1))).toMatchObject({
      ok: false,
      code: 'invalid_fields',
    });
    expect(
      order.signal('pay', { actor: { role: 'client', id: 'someone-else' }, fields: {} }, at(1)),
    ).toMatchObject({
      ok: false,
      code: 'not_party',
    });
    expect(order.status).toBe('pending');
    expect(order.entries.filter((e) => e.outcome === 'refused')).toHaveLength(5);
  });

  it('text Postgres cannot store (NUL, a lone surrogate) is refused in a raw signal, and not recorded', () => {
    const order = new CheckoutState(input(), T0);
    for (const reason of ['stolen\u0000card', 'half \ud800 pair']) {
      const refused = order.signal('reject', { actor: admin, fields: { reason, outcome: 'fraud' } }, at(1));
      expect(refused).toMatchObject({ ok: false, code: 'invalid_fields' });
    }
    const payment = { actor: webhook, fields: { amountCents: 1500, reference: 'pay\u0000' } };
    expect(order.signal('pay', payment, at(1))).toMatchObject({ ok: false, code: 'invalid_fields' });
    expect(order.status).toBe('pending');
    expect(JSON.stringify(order.entries)).not.toMatch(/\\u0000|\\ud800/);
  });

  it('provisioning: failure emails admins, admin retry puts failed services back, all active sends the welcome', () => {
    const order = new CheckoutState(input(), T0);
    order.signal('pay', pay(), at(1));
    order.system('auto_approve', at(1));
    expect(order.signal('retry', { actor: admin }, at(2))).toMatchObject({
      ok: false,
      code: 'status_not_allowed',
    });
    order.provisioningStarted('o-1-service-1', at(2));
    order.provisioningStarted('o-1-service-2', at(2));
    order.provisioned('o-1-service-2', { ok: true }, at(3));
    order.provisioned('o-1-service-1', { ok: false, error: 'panel down' }, at(4));
    let view = order.view();
    expect(view.services).toEqual([
      expect.objectContaining({
        id: 'o-1-service-1',
        status: 'failed',
        lastError: 'panel down',
        attempts: 1,
      }),
      expect.objectContaining({ id: 'o-1-service-2', status: 'active', attempts: 1 }),
    ]);
    // A welcome for the service that is ready, the admins told of the one that failed.
    expect(order.outbox.slice(2)).toEqual([
      {
        orderId: 'o-1',
        template: 'welcome',
        to: { partyId: 'client-1' },
        key: 'i2',
        data: { itemId: 'i2', serviceId: 'o-1-service-2', productId: expect.any(String), accountId: null },
      },
      {
        orderId: 'o-1',
        template: 'admin_provisioning_failed',
        to: { admins: true },
        key: 'i1.1',
        data: expect.objectContaining({
          itemId: 'i1',
          serviceId: 'o-1-service-1',
          attempt: 1,
          error: 'panel down',
        }),
      },
    ]);
    expect(order.servicesToProvision()).toEqual([]);

    expect(order.signal('retry', { actor: client }, at(5))).toMatchObject({
      ok: false,
      code: 'role_not_allowed',
    });
    expect(order.signal('retry', { actor: admin }, at(5)).ok).toBe(true);
    expect(order.servicesToProvision().map((s) => s.serviceId)).toEqual(['o-1-service-1']);
    order.provisioningStarted('o-1-service-1', at(6));
    order.provisioned('o-1-service-1', { ok: true, accountId: 'acct-9' }, at(7));
    view = order.view();
    expect(view.services[0]).toMatchObject({ status: 'active', externalAccountId: 'acct-9', attempts: 2 });
    expect(view.services[0]).not.toHaveProperty('lastError');
    expect(order.outbox.slice(2).map((e) => [e.template, e.key])).toEqual([
      ['welcome', 'i2'],
      ['admin_provisioning_failed', 'i1.1'],
      ['welcome', 'i1'],
    ]);
    expect(order.outbox.at(-1)).toMatchObject({ to: { partyId: 'client-1' }, data: { accountId: 'acct-9' } });
    expect(order.finished).toBe(true);
    expect(
      view.transitions
        .filter((e) => e.subject === 'o-1-service-1' && e.outcome === 'accepted')
        .map((e) => e.action),
    ).toEqual(['fail', 'retry', 'activate']);
  });

  it('an underpayment is refused and recorded; the invoice stays unpaid until a payment covers it', () => {
    const order = new CheckoutState(input(), T0);
    const short = { actor: webhook, fields: { amountCents: 1, reference: 'pay-short' } };
    expect(order.signal('pay', short, at(1))).toMatchObject({ ok: false, code: 'invalid_fields' });
    expect(order.view()).toMatchObject({ status: 'pending', invoice: { status: 'unpaid' } });
    expect(order.view().transitions.at(-1)).toMatchObject({
      action: 'pay',
      outcome: 'refused',
      refusal: 'invalid_fields',
      reason: expect.stringContaining("must cover the invoice's 1500 cents"),
    });
    expect(order.signal('pay', pay(), at(2))).toMatchObject({ ok: true });
    expect(order.view().invoice).toMatchObject({ status: 'paid', paidAmountCents: 1500 });
  });

  it('a provisioning error of any length still marks the service failed (shortened for admins)', () => {
    const order = new CheckoutState(input(), T0);
    order.signal('pay', pay(), at(1));
    order.system('auto_approve', at(1));
    order.provisioningStarted('o-1-service-1', at(2));
    // A database error with its whole query can run to thousands of characters.
    const long = `relation does not exist: ${'x'.repeat(5_000)}`;
    const failure = new ActivityFailure(
      'Activity task failed',
      'createAccount',
      '1',
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
      'worker',
      ApplicationFailure.retryable(long),
    );
    const outcome = order.provisioned('o-1-service-1', { ok: false, error: failureMessage(failure) }, at(3));
    expect(outcome).toMatchObject({ ok: true });
    const service = order.view().services.find((s) => s.id === 'o-1-service-1');
    expect(service?.status).toBe('failed');
    expect(service?.lastError).toHaveLength(FAILURE_MESSAGE_MAX);
    expect(service?.lastError?.startsWith('relation does not exist: xxx')).toBe(true);
  });

  it('carried into a new run, the order, its services and its ledger revision go on unchanged', () => {
    const order = new CheckoutState(input({ autoCancelOnExpiry: false }), T0);
    order.markOverdue(at(8 * DAY));
    order.signal('pay', pay('r-1'), at(9 * DAY));
    order.system('auto_approve', at(9 * DAY));
    order.provisioningStarted('o-1-service-1', at(9 * DAY));
    order.provisioned('o-1-service-1', { ok: false, error: 'panel down' }, at(9 * DAY));
    const next = new CheckoutState(input({ autoCancelOnExpiry: false }), at(10 * DAY), order.carry());
    expect(next.view()).toEqual(order.view());
    // Touches (overdue, attempts) count too: the projection orders views by this revision.
    expect(next.ledger.revision).toBe(order.ledger.revision);
    expect(next.ledger.revision).toBeGreaterThan(order.entries.length);
    expect(next.signal('pay', pay('r-1'), at(10 * DAY))).toMatchObject({ ok: false, code: 'duplicate' });
  });

  it('notifies status changes (for search attributes) only when the status moves', () => {
    const order = new CheckoutState(input(), T0);
    const seen: string[] = [];
    order.onStatusChange((status) => seen.push(status));
    order.signal('pay', pay(), at(1));
    order.system('auto_approve', at(1));
    expect(seen).toEqual(['active']);
  });
});
