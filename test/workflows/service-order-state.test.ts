import type { Actor } from '../../domain';
import type { ServiceOrderInput } from '../../workflows/contract';
import { ServiceOrderState } from '../../workflows/state/service-order';
import { ServiceListingState } from '../../workflows/state/service-listing';

const T0 = new Date('2026-03-01T10:00:00Z');
const isv: Actor = { role: 'isv', id: 'isv-1' };
const merchant: Actor = { role: 'merchant', id: 'm-1' };
const input: ServiceOrderInput = {
  orderId: 'so-1',
  listingId: 'l-1',
  isvId: isv.id,
  merchantId: merchant.id,
  createdBy: merchant,
};

describe('ServiceOrderState', () => {
  it('tells the ISV of the new order at creation and the merchant on submit', () => {
    const order = new ServiceOrderState(input, T0);
    expect(order.outbox).toEqual([
      expect.objectContaining({
        orderId: 'so-1',
        template: 'isv_new_service_order',
        to: { partyId: 'isv-1' },
      }),
    ]);
    for (const [action, actor] of [
      ['accept', isv],
      ['confirm', merchant],
      ['submit', isv],
    ] as const) {
      expect(order.signal(action, { actor }, T0).ok).toBe(true);
    }
    expect(order.outbox.at(-1)).toMatchObject({
      template: 'merchant_delivery_awaiting_approval',
      to: { partyId: 'm-1' },
    });
    // Changes requested go back to development; then approval completes it.
    order.signal('reject', { actor: merchant, fields: { reason: 'button misplaced' } }, T0);
    expect(order.view()).toMatchObject({ status: 'in_development', statusReason: 'button misplaced' });
    order.signal('submit', { actor: isv }, T0);
    order.signal('approve', { actor: merchant }, T0);
    expect(order.status).toBe('completed');
    expect(order.finished).toBe(true);
    // Each delivery asks the merchant again; completion is told to the ISV.
    expect(order.outbox.map((e) => [e.template, e.to, e.key])).toEqual([
      ['isv_new_service_order', { partyId: 'isv-1' }, undefined],
      ['merchant_delivery_awaiting_approval', { partyId: 'm-1' }, '4'],
      ['merchant_delivery_awaiting_approval', { partyId: 'm-1' }, '6'],
      ['service_order_completed', { partyId: 'isv-1' }, undefined],
    ]);
  });

  it.each([
    ['the ISV rejects the new order: the merchant is told', [['reject', isv]], 'm-1', 'the ISV'],
    [
      'the merchant rejects confirming it: the ISV is told',
      [
        ['accept', isv],
        ['reject', merchant],
      ],
      'isv-1',
      'the merchant',
    ],
    [
      'the ISV cancels the development: the merchant is told',
      [
        ['accept', isv],
        ['confirm', merchant],
        ['cancel', isv],
      ],
      'm-1',
      'the ISV',
    ],
  ] as const)('%s', (_name, steps, recipient, canceledBy) => {
    const order = new ServiceOrderState(input, T0);
    for (const [action, actor] of steps) {
      expect(order.signal(action, { actor, fields: { reason: 'no capacity' } }, T0).ok).toBe(true);
    }
    expect(order.status).toBe('canceled');
    expect(order.outbox.at(-1)).toEqual({
      orderId: 'so-1',
      template: 'service_order_canceled',
      to: { partyId: recipient },
      data: { listingId: 'l-1', canceledBy, reason: 'no capacity' },
    });
  });

  it('another merchant is not a party: refused as not_party', () => {
    const order = new ServiceOrderState(input, T0);
    order.signal('accept', { actor: isv }, T0);
    expect(order.signal('confirm', { actor: { role: 'merchant', id: 'm-2' } }, T0)).toMatchObject({
      ok: false,
      code: 'not_party',
    });
    expect(order.status).toBe('pending_confirmation');
  });
});

describe('ServiceListingState', () => {
  it('goes draft -> review -> turned down -> draft -> online -> archived', () => {
    const listing = new ServiceListingState(
      { listingId: 'l-1', isvId: isv.id, name: 'Mini shop', createdBy: isv },
      T0,
    );
    const admin: Actor = { role: 'admin', id: 'a' };
    listing.signal('submit', { actor: isv }, T0);
    listing.signal('reject', { actor: admin, fields: { reason: 'no screenshots' } }, T0);
    listing.signal('edit', { actor: isv }, T0);
    listing.signal('submit', { actor: isv }, T0);
    listing.signal('approve', { actor: admin }, T0);
    expect(listing.status).toBe('online');
    listing.signal('archive', { actor: isv }, T0);
    expect(listing.view()).toMatchObject({
      kind: 'listing',
      orderId: 'l-1',
      status: 'archived',
      archived: true,
    });
    expect(listing.finished).toBe(true);
  });
});
