// Order views as the workflows produce them, with fresh ids per call (the test database is shared).
import { randomUUID } from 'node:crypto';
import type { OrderView, TransitionEntry } from '../../workflows/contract';

export function ids(prefix = 't') {
  const run = randomUUID().slice(0, 8);
  return {
    orderId: `${prefix}-order-${run}`,
    clientId: `${prefix}-client-${run}`,
    productId: `${prefix}-product-${run}`,
    itemId: `${prefix}-item-${run}`,
    serviceId: `${prefix}-service-${run}`,
    invoiceId: `${prefix}-invoice-${run}`,
  };
}

export type Ids = ReturnType<typeof ids>;

export function entry(
  sequence: number,
  action: string,
  from: string | null,
  to: string | null,
  at: string,
): TransitionEntry {
  return { sequence, action, actor: { role: 'system', id: 'system' }, from, to, outcome: 'accepted', at };
}

/** A checkout order at creation: pending, unpaid invoice, one hosting item with its pending service. */
export function checkoutView(k: Ids, overrides: Partial<OrderView> = {}): OrderView {
  const createdAt = '2026-11-01T10:00:00.000Z';
  return {
    orderId: k.orderId,
    kind: 'checkout',
    status: 'pending',
    parties: { clientId: k.clientId },
    items: [
      {
        id: k.itemId,
        productId: k.productId,
        productName: 'Hosting S',
        productType: 'hosting',
        quantity: 1,
        unitPriceCents: 999,
      },
    ],
    totalCents: 999,
    currency: 'EUR',
    archived: false,
    invoice: {
      id: k.invoiceId,
      status: 'unpaid',
      amountCents: 999,
      currency: 'EUR',
      dueAt: '2026-11-08T10:00:00.000Z',
      overdue: false,
    },
    services: [
      { id: k.serviceId, orderItemId: k.itemId, productId: k.productId, status: 'pending', attempts: 0 },
    ],
    transitions: [entry(1, 'create', null, 'pending', createdAt)],
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
