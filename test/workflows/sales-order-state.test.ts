import type { Actor } from '../../domain';
import type { SalesOrderInput } from '../../workflows/contract';
import { SalesOrderState } from '../../workflows/state/sales-order';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;
const salesperson: Actor = { role: 'salesperson', id: 'sp-1' };
const customer: Actor = { role: 'customer', id: 'cu-1' };
const admin: Actor = { role: 'admin', id: 'admin-1' };

const input = (extra: Partial<SalesOrderInput> = {}): SalesOrderInput => ({
  orderId: 's-1',
  salespersonId: salesperson.id,
  customerId: customer.id,
  currency: 'USD',
  createdBy: salesperson,
  items: [
    { id: 'a', productId: 'crm', productType: 'other', quantity: 1, unitPriceCents: 5000 },
    { id: 'b', productId: 'seo', productType: 'other', quantity: 1, unitPriceCents: 3000 },
  ],
  ...extra,
});

describe('SalesOrderState', () => {
  it('routes to the customer, emails them, and records the approval route and offer expiry', () => {
    const order = new SalesOrderState(input(), T0);
    const expiresAt = at(3 * DAY).toISOString();
    expect(
      order.signal('send_for_customer_approval', { actor: salesperson, fields: { expiresAt } }, at(1)).ok,
    ).toBe(true);
    expect(order.view()).toMatchObject({
      status: 'awaiting_customer_approval',
      approvalRoute: 'customer',
      expiresAt,
    });
    expect(order.offerExpiresAt).toBe(T0.getTime() + 3 * DAY);
    expect(order.outbox).toEqual([
      expect.objectContaining({ template: 'customer_approval_requested', to: { partyId: 'cu-1' } }),
    ]);
  });

  it('offer expiry cancels with reason "offer expired", only once the date has passed', () => {
    const order = new SalesOrderState(input({ expiresAt: at(2 * DAY).toISOString() }), T0);
    order.signal('submit', { actor: salesperson }, at(1));
    expect(order.expireOffer(at(DAY)).ok).toBe(false);
    expect(order.expireOffer(at(2 * DAY)).ok).toBe(true);
    expect(order.view()).toMatchObject({ status: 'canceled', statusReason: 'offer expired' });
  });

  it('an offer sent or resubmitted after its expiry is refused and recorded, and changes nothing', () => {
    const order = new SalesOrderState(input({ expiresAt: at(DAY).toISOString() }), T0);
    const lapsed = order.signal('send_for_customer_approval', { actor: salesperson }, at(2 * DAY));
    expect(lapsed).toMatchObject({ ok: false, code: 'invalid_fields' });
    expect(order.view().status).toBe('draft');
    expect(order.view().transitions.at(-1)).toMatchObject({ outcome: 'refused', refusal: 'invalid_fields' });
    const renewed = { actor: salesperson, fields: { expiresAt: at(5 * DAY).toISOString() } };
    expect(order.signal('send_for_customer_approval', renewed, at(2 * DAY)).ok).toBe(true);
  });

  it('decline emails the salesperson the reason; resubmit goes back to the same approver only', () => {
    const order = new SalesOrderState(input(), T0);
    order.signal('submit', { actor: salesperson }, at(1));
    expect(order.outbox).toEqual([
      {
        orderId: order.orderId,
        template: 'admin_sales_order_submitted',
        to: { admins: true },
        key: '2',
        data: { action: 'submit' },
      },
    ]);
    order.signal('reject', { actor: admin, fields: { reason: 'price too low' } }, at(2));
    expect(order.view()).toMatchObject({ status: 'declined', statusReason: 'price too low' });
    expect(order.outbox.at(-1)).toEqual({
      orderId: order.orderId,
      template: 'salesperson_order_declined',
      to: { partyId: salesperson.id },
      key: '3',
      data: { reason: 'price too low', declinedBy: 'an admin' },
    });
    order.signal('resubmit', { actor: salesperson }, at(3));
    // Each submission is its own email to the admins.
    expect(order.outbox.at(-1)).toMatchObject({
      template: 'admin_sales_order_submitted',
      key: '4',
      data: { action: 'resubmit' },
    });
    expect(order.signal('approve', { actor: customer }, at(4))).toMatchObject({
      ok: false,
      code: 'status_not_allowed',
    });
    expect(order.signal('approve', { actor: admin }, at(4)).ok).toBe(true);
    expect(order.status).toBe('approved');
  });

  it('chooses scheduled activation through the domain when the date is ahead', () => {
    const order = new SalesOrderState(input({ activateAt: at(14 * DAY).toISOString() }), T0);
    order.signal('send_for_customer_approval', { actor: salesperson }, at(1));
    order.signal('approve', { actor: customer }, at(2));
    expect(order.may('schedule_activation', at(2))).toBe(true);
    expect(order.may('start_activation', at(2))).toBe(false);
    expect(order.system('schedule_activation', at(2)).ok).toBe(true);
    expect(order.system('start_activation', at(14 * DAY - 1))).toMatchObject({ ok: false });
    expect(order.system('start_activation', at(14 * DAY)).ok).toBe(true);
    expect(order.status).toBe('processing');
  });

  it('partial activation errors list the reason per product; retry activates the failed ones only', () => {
    const order = new SalesOrderState(input(), T0);
    order.signal('submit', { actor: salesperson }, at(1));
    order.signal('approve', { actor: admin }, at(2));
    order.system('start_activation', at(2));
    expect(order.productsToActivate().map((i) => i.id)).toEqual(['a', 'b']);
    order.activationStarted(at(3));
    order.activationFinished(
      [
        { itemId: 'a', ok: true, activationId: 'act-a' },
        { itemId: 'b', ok: false, error: 'seo quota exceeded' },
      ],
      at(4),
    );
    let view = order.view();
    expect(view).toMatchObject({ status: 'activation_errors', statusReason: 'seo: seo quota exceeded' });
    expect(view.services).toEqual([
      expect.objectContaining({ orderItemId: 'a', status: 'activated', externalAccountId: 'act-a' }),
      expect.objectContaining({ orderItemId: 'b', status: 'failed', lastError: 'seo quota exceeded' }),
    ]);
    expect(order.signal('retry', { actor: admin }, at(5)).ok).toBe(true);
    expect(order.productsToActivate().map((i) => i.id)).toEqual(['b']);
    order.activationStarted(at(6));
    order.activationFinished([{ itemId: 'b', ok: true, activationId: 'act-b' }], at(7));
    view = order.view();
    expect(view.status).toBe('activated');
    expect(view.services.map((s) => [s.status, s.attempts])).toEqual([
      ['activated', 1],
      ['activated', 2],
    ]);
    expect(order.outbox.at(-1)).toMatchObject({
      template: 'customer_order_activated',
      to: { partyId: 'cu-1' },
    });
  });

  it('cancellation requested then refused returns to the previous status; requested then approved cancels', () => {
    const order = new SalesOrderState(input({ activateAt: at(14 * DAY).toISOString() }), T0);
    order.signal('submit', { actor: salesperson }, at(1));
    order.signal('approve', { actor: admin }, at(2));
    order.system('schedule_activation', at(2));
    order.signal('request_cancellation', { actor: customer, fields: { reason: 'changed my mind' } }, at(3));
    expect(order.status).toBe('cancellation_requested');
    expect(order.outbox.at(-1)).toMatchObject({
      template: 'admin_cancellation_requested',
      to: { admins: true },
    });
    order.signal('reject', { actor: admin, fields: { reason: 'contract binding' } }, at(4));
    expect(order.status).toBe('scheduled_activation');
    order.signal('request_cancellation', { actor: customer }, at(5));
    order.signal('approve', { actor: admin }, at(6));
    expect(order.status).toBe('canceled');
    // The customer and the salesperson are both told.
    expect(order.outbox.slice(-2)).toEqual([
      expect.objectContaining({ template: 'customer_order_canceled', to: { partyId: 'cu-1' } }),
      expect.objectContaining({ template: 'salesperson_order_canceled', to: { partyId: salesperson.id } }),
    ]);
    expect(order.finished).toBe(false);
    order.signal('archive', { actor: salesperson }, at(7));
    expect(order.view()).toMatchObject({ status: 'archived', archived: true });
    expect(order.finished).toBe(true);
  });

  it('out-of-order signals are refused without a change', () => {
    const order = new SalesOrderState(input(), T0);
    const before = order.view();
    expect(order.signal('approve', { actor: customer }, at(1))).toMatchObject({
      ok: false,
      code: 'status_not_allowed',
    });
    expect(order.signal('activate', { actor: admin }, at(1))).toMatchObject({
      ok: false,
      code: 'unknown_signal',
    });
    expect(order.signal('request_cancellation', { actor: customer }, at(1))).toMatchObject({ ok: false });
    expect(order.status).toBe(before.status);
    expect(order.outbox).toEqual([]);
  });

  it('refuses invalid dates in the input', () => {
    expect(() => new SalesOrderState(input({ activateAt: 'tomorrow' }), T0)).toThrow(/activateAt/);
    // Postgres stores no year 0: the projection would refuse it on every retry.
    expect(() => new SalesOrderState(input({ expiresAt: '0000-06-01T00:00:00Z' }), T0)).toThrow(/expiresAt/);
  });
});

describe('SalesOrderState carried over (continue-as-new)', () => {
  it('restores the same view, the request ids and the products, and sends no email again', () => {
    const order = new SalesOrderState(input(), T0);
    order.signal('submit', { actor: salesperson, requestId: 'r-1' }, at(1));
    order.signal('approve', { actor: admin }, at(2));
    order.system('start_activation', at(2));
    order.activationStarted(at(3));
    order.activationFinished(
      [
        { itemId: 'a', ok: true, activationId: 'act-a' },
        { itemId: 'b', ok: false, error: 'no licences' },
      ],
      at(4),
    );
    const next = new SalesOrderState(input(), at(10 * DAY), order.carry());
    expect(next.view()).toEqual(order.view());
    expect(next.outbox).toEqual([]);
    expect(next.signal('submit', { actor: salesperson, requestId: 'r-1' }, at(11))).toMatchObject({
      code: 'duplicate',
    });
    next.signal('retry', { actor: admin }, at(12));
    expect(next.productsToActivate().map((i) => i.id)).toEqual(['b']);
    expect(next.entries.at(-1)?.sequence).toBe(next.entries.length);
  });
});
