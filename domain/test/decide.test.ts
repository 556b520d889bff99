import {
  OFFER_EXPIRED_REASON,
  allowedActions,
  checkoutLifecycle,
  decide,
  defineLifecycle,
  isActionOf,
  isOrderableListing,
  isPartyTo,
  isStatusOf,
  isTerminal,
  noFields,
  refusalHttpStatus,
  salesOrderLifecycle,
  checkoutServiceLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
  type Actor,
  type CheckoutOrder,
  type SalesOrder,
  type SalesOrderStatus,
  type ServiceListingStatus,
} from '../index';

const NOW = new Date('2026-06-01T12:00:00Z');
const admin: Actor = { role: 'admin', id: 'admin-7' };
const system: Actor = { role: 'system', id: 'payments-webhook' };
const client: Actor = { role: 'client', id: 'c-1' };
const otherClient: Actor = { role: 'client', id: 'c-2' };
const customer: Actor = { role: 'customer', id: 'cu-1' };
const salesperson: Actor = { role: 'salesperson', id: 'sp-1' };

const unpaid: CheckoutOrder = { status: 'pending', clientId: 'c-1', invoicePaid: false };
const paid: CheckoutOrder = { ...unpaid, invoicePaid: true };
const sales = (status: SalesOrderStatus, facts: Partial<SalesOrder> = {}): SalesOrder => ({
  status,
  customerId: 'cu-1',
  salespersonId: 'sp-1',
  ...facts,
});

describe('party checks', () => {
  it('refuses an actor that is not a party of the order with not_party', () => {
    const decision = decide(checkoutLifecycle, unpaid, otherClient, 'cancel');
    expect(decision).toMatchObject({ ok: false, refusal: { code: 'not_party' } });
    expect(allowedActions(checkoutLifecycle, unpaid, otherClient)).toEqual([]);
  });

  it('lets admin and system act on every order', () => {
    expect(decide(checkoutLifecycle, unpaid, admin, 'cancel')).toMatchObject({ ok: true, next: 'cancelled' });
    expect(
      decide(checkoutLifecycle, unpaid, system, 'pay', { amountCents: 1000, reference: 'R' }),
    ).toMatchObject({
      ok: true,
      next: 'pending',
    });
  });

  it('matches each role against its own party field only', () => {
    const order = { clientId: 'x', isvId: 'x', merchantId: 'x', salespersonId: 'x', customerId: 'x' };
    expect(isPartyTo({ role: 'client', id: 'x' }, order)).toBe(true);
    expect(isPartyTo({ role: 'isv', id: 'x' }, { merchantId: 'x' })).toBe(false);
    expect(isPartyTo({ role: 'merchant', id: 'x' }, { merchantId: 'x' })).toBe(true);
    expect(isPartyTo({ role: 'customer', id: 'x' }, { customerId: null, salespersonId: 'x' })).toBe(false);
    expect(isPartyTo({ role: 'salesperson', id: '' }, { salespersonId: '' })).toBe(false);
  });

  it('answers not_party before anything else, hiding whether the order exists', () => {
    const merchant: Actor = { role: 'merchant', id: 'm-1' };
    expect(decide(checkoutLifecycle, unpaid, merchant, 'approve', { junk: 1 })).toMatchObject({
      ok: false,
      refusal: { code: 'not_party' },
    });
  });
});

describe('refusal order: not_party, role_not_allowed, status_not_allowed, invalid_fields', () => {
  const order = { status: 'pending_confirmation' as const, isvId: 'i-1', merchantId: 'm-1' };
  const isv: Actor = { role: 'isv', id: 'i-1' };
  const merchant: Actor = { role: 'merchant', id: 'm-1' };

  it.each([
    [
      'a foreign ISV, wrong role, wrong status, bad fields',
      { role: 'isv', id: 'i-2' },
      'approve',
      {},
      'not_party',
    ],
    ['a party whose role never takes the action', isv, 'confirm', {}, 'role_not_allowed'],
    ['a party whose role takes the action elsewhere', isv, 'reject', {}, 'status_not_allowed'],
    ['the right role and status with missing fields', merchant, 'reject', {}, 'invalid_fields'],
  ] as const)('%s gets %s', (_case, actor, action, fields, code) => {
    const decision = decide(serviceOrderLifecycle, order, actor, action, fields);
    expect(decision).toMatchObject({ ok: false, refusal: { code } });
  });

  it('maps the refusals to HTTP statuses', () => {
    expect(refusalHttpStatus).toEqual({
      not_party: 404,
      role_not_allowed: 403,
      status_not_allowed: 409,
      invalid_fields: 422,
    });
  });

  it('tells a status refusal which actions the actor may take now', () => {
    const isvOrder = { ...order, status: 'new_order' as const };
    const decision = decide(serviceOrderLifecycle, isvOrder, isv, 'submit');
    expect(decision).toEqual({
      ok: false,
      refusal: expect.objectContaining({
        code: 'status_not_allowed',
        status: 'new_order',
        action: 'submit',
        allowedActions: ['accept', 'reject'],
      }),
    });
  });

  it('refuses an action the lifecycle does not have by role, and an unknown status loudly', () => {
    expect(decide(serviceOrderLifecycle, order, merchant, 'fly' as never)).toMatchObject({
      ok: false,
      refusal: { code: 'role_not_allowed', action: 'fly' },
    });
    expect(() =>
      decide(serviceOrderLifecycle, { ...order, status: 'lost' as never }, merchant, 'confirm'),
    ).toThrow(/unknown status "lost"/);
  });
});

describe('fields', () => {
  const invalid = (decision: ReturnType<typeof decide>) => {
    if (decision.ok || decision.refusal.code !== 'invalid_fields') throw new Error('expected invalid_fields');
    return decision.refusal.issues.map((issue) => issue.path);
  };

  it('requires a non-empty reason to reject or decline', () => {
    const order = { status: 'new_order' as const, isvId: 'i-1' };
    const isv: Actor = { role: 'isv', id: 'i-1' };
    expect(invalid(decide(serviceOrderLifecycle, order, isv, 'reject', {}))).toEqual(['reason']);
    expect(invalid(decide(serviceOrderLifecycle, order, isv, 'reject', { reason: '   ' }))).toEqual([
      'reason',
    ]);
    expect(
      invalid(decide(salesOrderLifecycle, sales('awaiting_customer_approval'), customer, 'reject')),
    ).toEqual(['reason']);
    const ok = decide(serviceOrderLifecycle, order, isv, 'reject', { reason: '  too busy ' });
    expect(ok).toMatchObject({ ok: true, fields: { reason: 'too busy' } });
  });

  it.each([
    [{ reference: 'R' }, ['amountCents']],
    [{ amountCents: 1000 }, ['reference']],
    [{ amountCents: '1000', reference: 'R' }, ['amountCents']],
    [{ amountCents: 12.5, reference: 'R' }, ['amountCents']],
    [{ amountCents: 0, reference: 'R' }, ['amountCents']],
    [{ amountCents: -100, reference: 'R' }, ['amountCents']],
    [{ amountCents: 1000, reference: '  ' }, ['reference']],
    [null, ['amountCents', 'reference']],
  ])('pay with %j is invalid at %j', (fields, paths) => {
    expect(invalid(decide(checkoutLifecycle, unpaid, client, 'pay', fields))).toEqual(paths);
  });

  it('parses a payment to its amount in cents and reference', () => {
    expect(
      decide(checkoutLifecycle, unpaid, client, 'pay', { amountCents: 50, reference: ' TX-9 ' }),
    ).toMatchObject({
      ok: true,
      next: 'pending',
      fields: { amountCents: 50, reference: 'TX-9' },
    });
  });

  it('rejects a checkout only with a reason and an outcome of fraud or cancelled', () => {
    expect(invalid(decide(checkoutLifecycle, unpaid, admin, 'reject', { reason: 'r' }))).toEqual(['outcome']);
    expect(
      invalid(decide(checkoutLifecycle, unpaid, admin, 'reject', { reason: 'r', outcome: 'lost' })),
    ).toEqual(['outcome']);
    for (const outcome of ['fraud', 'cancelled'] as const) {
      const decision = decide(checkoutLifecycle, paid, admin, 'reject', { reason: 'stolen card', outcome });
      expect(decision).toMatchObject({ ok: true, next: outcome, fields: { reason: 'stolen card', outcome } });
    }
  });

  it('records "offer expired" as the reason of an offer expiry and accepts no other', () => {
    const order = sales('submitted', { expiresAt: '2026-05-01T00:00:00Z' });
    expect(decide(salesOrderLifecycle, order, system, 'expire_offer', {}, { now: NOW })).toMatchObject({
      ok: true,
      next: 'canceled',
      fields: { reason: OFFER_EXPIRED_REASON },
    });
    expect(
      invalid(decide(salesOrderLifecycle, order, system, 'expire_offer', { reason: 'x' }, { now: NOW })),
    ).toEqual(['reason']);
  });

  it('requires at least one product error when activation fails, each with a reason', () => {
    const order = sales('processing');
    expect(invalid(decide(salesOrderLifecycle, order, system, 'fail_activation', { errors: [] }))).toEqual([
      'errors',
    ]);
    expect(
      invalid(
        decide(salesOrderLifecycle, order, system, 'fail_activation', { errors: [{ productId: 'p' }] }),
      ),
    ).toEqual(['errors.0.reason']);
  });

  it('takes an optional offer expiry as an ISO date when the order is sent', () => {
    const draft = sales('draft');
    expect(
      decide(salesOrderLifecycle, draft, salesperson, 'submit', { expiresAt: '2026-07-01T00:00:00Z' }),
    ).toMatchObject({ ok: true, next: 'submitted', fields: { expiresAt: '2026-07-01T00:00:00Z' } });
    expect(decide(salesOrderLifecycle, draft, salesperson, 'submit')).toMatchObject({ ok: true, fields: {} });
    expect(invalid(decide(salesOrderLifecycle, draft, salesperson, 'submit', { expiresAt: 'soon' }))).toEqual(
      ['expiresAt'],
    );
  });

  it('refuses an offer whose expiry has already passed: a new one given, or the one it keeps', () => {
    const options = { now: NOW };
    const draft = sales('draft');
    const past = '2026-05-01T00:00:00Z';
    expect(
      decide(salesOrderLifecycle, draft, salesperson, 'submit', { expiresAt: past }, options),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'invalid_fields', issues: [{ path: 'expiresAt', message: 'must be in the future' }] },
    });
    const declined = sales('declined', { expiresAt: past, approvalRoute: 'customer' });
    expect(decide(salesOrderLifecycle, declined, salesperson, 'resubmit', {}, options)).toMatchObject({
      ok: false,
      refusal: { issues: [{ path: 'expiresAt', message: expect.stringContaining('give a new expiresAt') }] },
    });
    expect(
      decide(
        salesOrderLifecycle,
        declined,
        salesperson,
        'resubmit',
        { expiresAt: '2026-07-01T00:00:00Z' },
        options,
      ),
    ).toMatchObject({ ok: true, next: 'resubmitted' });
    // Without an expiry there is nothing to lapse.
    expect(decide(salesOrderLifecycle, draft, salesperson, 'submit', {}, options)).toMatchObject({
      ok: true,
    });
  });
});

describe('checkout guards', () => {
  it('refuses approve before the invoice is paid, naming the condition', () => {
    const decision = decide(checkoutLifecycle, unpaid, admin, 'approve');
    expect(decision).toMatchObject({
      ok: false,
      refusal: {
        code: 'status_not_allowed',
        status: 'pending',
        unmetCondition: 'only once the invoice is paid',
        allowedActions: ['reject', 'cancel'],
      },
    });
    expect(decide(checkoutLifecycle, paid, admin, 'approve')).toMatchObject({ ok: true, next: 'active' });
  });

  it('takes a payment that covers the invoice; an underpayment is refused as invalid fields', () => {
    const invoiced: CheckoutOrder = { ...unpaid, invoiceAmountCents: 2700 };
    const pay = (amountCents: number) =>
      decide(checkoutLifecycle, invoiced, system, 'pay', { amountCents, reference: 'R' });
    expect(pay(1)).toMatchObject({
      ok: false,
      refusal: {
        code: 'invalid_fields',
        issues: [{ path: 'amountCents', message: "must cover the invoice's 2700 cents (got 1)" }],
      },
    });
    expect(pay(2699)).toMatchObject({ ok: false, refusal: { code: 'invalid_fields' } });
    expect(pay(2700)).toMatchObject({ ok: true, next: 'pending' });
    expect(pay(3000)).toMatchObject({ ok: true, next: 'pending' });
    // The fields' own schema comes first: a bad amount is reported as such, not as too small.
    expect(pay(-5)).toMatchObject({ ok: false, refusal: { issues: [{ path: 'amountCents' }] } });
  });

  it('auto-approves only a paid order and takes one payment only', () => {
    expect(decide(checkoutLifecycle, unpaid, system, 'auto_approve')).toMatchObject({ ok: false });
    expect(decide(checkoutLifecycle, paid, system, 'auto_approve')).toMatchObject({
      ok: true,
      next: 'active',
    });
    const again = decide(checkoutLifecycle, paid, client, 'pay', { amountCents: 100, reference: 'R' });
    expect(again).toMatchObject({ ok: false, refusal: { code: 'status_not_allowed' } });
  });

  it('expires an unpaid invoice only once its due date has passed', () => {
    const order = { ...unpaid, invoiceDueAt: new Date('2026-06-01T12:00:00Z') };
    expect(decide(checkoutLifecycle, order, system, 'expire_invoice', {}, { now: NOW })).toMatchObject({
      ok: true,
      next: 'cancelled',
    });
    const early = new Date(NOW.getTime() - 1);
    expect(decide(checkoutLifecycle, order, system, 'expire_invoice', {}, { now: early })).toMatchObject({
      ok: false,
    });
    expect(decide(checkoutLifecycle, unpaid, system, 'expire_invoice', {}, { now: NOW })).toMatchObject({
      ok: false,
    });
  });

  it('throws when a time condition is asked without the current time', () => {
    expect(() => decide(checkoutLifecycle, unpaid, system, 'expire_invoice')).toThrow(/needs options\.now/);
    // Listing what is allowed never throws: without a clock, time conditions simply do not hold.
    expect(allowedActions(checkoutLifecycle, unpaid, system)).toEqual(['pay']);
  });

  it('rejects an unparseable due date loudly', () => {
    const order = { ...unpaid, invoiceDueAt: 'tomorrow' };
    expect(() => decide(checkoutLifecycle, order, system, 'expire_invoice', {}, { now: NOW })).toThrow(
      /invoiceDueAt is not a valid date/,
    );
  });
});

describe('sales order guards', () => {
  it.each([
    ['customer', customer, admin],
    ['admin', admin, customer],
  ] as const)('a resubmitted order sent to the %s is decided by the same approver', (route, same, other) => {
    const order = sales('resubmitted', { approvalRoute: route });
    expect(decide(salesOrderLifecycle, order, same, 'approve')).toMatchObject({ ok: true, next: 'approved' });
    expect(decide(salesOrderLifecycle, order, same, 'reject', { reason: 'still too dear' })).toMatchObject({
      ok: true,
      next: 'declined',
    });
    expect(decide(salesOrderLifecycle, order, other, 'approve')).toMatchObject({
      ok: false,
      refusal: { code: 'status_not_allowed', unmetCondition: expect.stringContaining('approval route') },
    });
  });

  it('schedules activation for a future date and starts it once the date has come', () => {
    const order = sales('approved', { activateAt: '2026-06-02T00:00:00Z' });
    expect(decide(salesOrderLifecycle, order, system, 'schedule_activation', {}, { now: NOW })).toMatchObject(
      {
        ok: true,
        next: 'scheduled_activation',
      },
    );
    expect(decide(salesOrderLifecycle, order, system, 'start_activation', {}, { now: NOW })).toMatchObject({
      ok: false,
    });
    const scheduled = { ...order, status: 'scheduled_activation' as const };
    const due = new Date('2026-06-02T00:00:00Z');
    expect(
      decide(salesOrderLifecycle, scheduled, system, 'start_activation', {}, { now: due }),
    ).toMatchObject({
      ok: true,
      next: 'processing',
    });
  });

  it.each(['scheduled_activation', 'activated', 'activation_errors'] as const)(
    'a refused cancellation request returns to %s, where it came from',
    (origin) => {
      const requested = decide(salesOrderLifecycle, sales(origin), customer, 'request_cancellation', {});
      expect(requested).toMatchObject({ ok: true, next: 'cancellation_requested' });
      const order = sales('cancellation_requested', { previousStatus: origin });
      expect(decide(salesOrderLifecycle, order, admin, 'reject', { reason: 'contract term' })).toMatchObject({
        ok: true,
        next: origin,
      });
      expect(decide(salesOrderLifecycle, order, admin, 'approve')).toMatchObject({
        ok: true,
        next: 'canceled',
      });
    },
  );

  it('cannot refuse a cancellation request when the order does not say where it came from', () => {
    for (const previousStatus of [null, 'draft' as const]) {
      const order = sales('cancellation_requested', { previousStatus });
      expect(decide(salesOrderLifecycle, order, admin, 'reject', { reason: 'no' })).toMatchObject({
        ok: false,
        refusal: { code: 'status_not_allowed', unmetCondition: expect.any(String) },
      });
    }
  });

  it('expires an offer only while it awaits approval and after its expiry date', () => {
    const expiry = { expiresAt: '2026-06-01T12:00:00Z' };
    for (const status of ['awaiting_customer_approval', 'submitted', 'resubmitted'] as const) {
      const order = sales(status, expiry);
      expect(decide(salesOrderLifecycle, order, system, 'expire_offer', {}, { now: NOW })).toMatchObject({
        ok: true,
        next: 'canceled',
      });
      const before = new Date(NOW.getTime() - 1000);
      expect(decide(salesOrderLifecycle, order, system, 'expire_offer', {}, { now: before }).ok).toBe(false);
    }
    const approved = sales('approved', expiry);
    expect(decide(salesOrderLifecycle, approved, system, 'expire_offer', {}, { now: NOW }).ok).toBe(false);
  });
});

describe('per-service lifecycle', () => {
  it('lets an admin retry a failed service, not an active one', () => {
    const failed = { status: 'failed' as const, clientId: 'c-1' };
    expect(decide(checkoutServiceLifecycle, failed, admin, 'retry')).toMatchObject({
      ok: true,
      next: 'pending',
    });
    expect(decide(checkoutServiceLifecycle, { ...failed, status: 'active' }, admin, 'retry').ok).toBe(false);
    expect(decide(checkoutServiceLifecycle, failed, client, 'retry')).toMatchObject({
      ok: false,
      refusal: { code: 'role_not_allowed' },
    });
  });
});

describe('service listings', () => {
  it.each([
    ['draft', false],
    ['pending_review', false],
    ['online', true],
    ['turned_down', false],
    ['withdrawn', false],
    ['archived', false],
  ] as const)('a listing in %s can be ordered: %s', (status: ServiceListingStatus, orderable) => {
    expect(isOrderableListing({ status })).toBe(orderable);
  });

  it('walks a listing from draft to online and back through edit', () => {
    const isv: Actor = { role: 'isv', id: 'i-1' };
    let listing = { status: 'draft' as ServiceListingStatus, isvId: 'i-1' };
    const steps = [
      [isv, 'submit', {}, 'pending_review'],
      [admin, 'reject', { reason: 'missing screenshots' }, 'turned_down'],
      [isv, 'edit', {}, 'draft'],
      [isv, 'submit', {}, 'pending_review'],
      [isv, 'withdraw', {}, 'withdrawn'],
      [isv, 'edit', {}, 'draft'],
      [isv, 'submit', {}, 'pending_review'],
      [admin, 'approve', {}, 'online'],
      [isv, 'archive', {}, 'archived'],
    ] as const;
    for (const [actor, action, fields, next] of steps) {
      const decision = decide(serviceListingLifecycle, listing, actor, action, fields);
      expect(decision).toMatchObject({ ok: true, next });
      if (decision.ok) listing = { ...listing, status: decision.next };
    }
    expect(isTerminal(serviceListingLifecycle, listing.status)).toBe(true);
  });
});

describe('helpers', () => {
  it('recognises statuses and actions of a lifecycle', () => {
    expect(isStatusOf(salesOrderLifecycle, 'resubmitted')).toBe(true);
    expect(isStatusOf(salesOrderLifecycle, 'pending')).toBe(false);
    expect(isStatusOf(salesOrderLifecycle, 'toString')).toBe(false);
    expect(isActionOf(checkoutLifecycle, 'pay')).toBe(true);
    expect(isActionOf(checkoutLifecycle, 'resubmit')).toBe(false);
    expect(isTerminal(checkoutLifecycle, 'pending')).toBe(false);
  });
});

describe('defineLifecycle', () => {
  type Tiny = { status: 'a' | 'b' | 'c' };
  const statuses = {
    a: { label: 'A', description: 'a' },
    b: { label: 'B', description: 'b' },
    c: { label: 'C', description: 'c' },
  };
  const base = {
    name: 'tiny',
    title: 'tiny',
    source: 'test',
    statuses,
    initial: ['a'] as const,
    terminal: ['c'] as const,
    actions: { go: { label: 'Go', fields: noFields }, stop: { label: 'Stop', fields: noFields } },
  };
  const define = defineLifecycle<Tiny>();

  it('accepts a consistent definition', () => {
    const tiny = define({
      ...base,
      transitions: [
        { from: 'a', action: 'go', roles: ['admin'], to: 'b' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
      ],
    });
    expect(tiny.statusNames).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [
      'two rows for the same status, action and role',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'b' },
        { from: 'a', action: 'go', roles: ['admin', 'client'], to: 'c' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
      ],
      /two rows for a go admin/,
    ],
    [
      'a terminal status with actions',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'b' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
        { from: 'c', action: 'go', roles: ['admin'], to: 'a' },
      ],
      /terminal status c has actions/,
    ],
    [
      'a status without actions that is not terminal',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'b' },
        { from: 'a', action: 'stop', roles: ['admin'], to: 'c' },
      ],
      /status b has no action but is not terminal/,
    ],
    [
      'an unreachable status',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'c' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
      ],
      /status b is unreachable/,
    ],
    [
      'an unknown status',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'z' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
      ],
      /unknown status z/,
    ],
    [
      'an unused action',
      [
        { from: 'a', action: 'go', roles: ['admin'], to: 'b' },
        { from: 'b', action: 'go', roles: ['admin'], to: 'c' },
      ],
      /action stop is unused/,
    ],
    [
      'a row without roles',
      [
        { from: 'a', action: 'go', roles: [], to: 'b' },
        { from: 'b', action: 'stop', roles: ['admin'], to: 'c' },
      ],
      /row a go: no roles/,
    ],
  ])('refuses %s', (_case, transitions, error) => {
    expect(() => define({ ...base, transitions: transitions as never })).toThrow(error);
  });
});
