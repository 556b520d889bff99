// projectOrder on the real test database: replays change nothing, placeholders keep foreign keys
// satisfied without overwriting real rows, stale calls never roll an order back.
import { ApplicationFailure } from '@temporalio/common';
import { createProjectionActivities } from '../../activities/projection/project-order';
import type { OrderView } from '../../workflows/contract';
import { testPrisma } from '../setup/database';
import { checkoutView, entry, ids, type Ids } from './fixtures';

const prisma = testPrisma();
const { projectOrder } = createProjectionActivities({ prisma });

/** Every row the projection writes for an order, in a stable order. */
async function snapshot(k: Ids) {
  const [order, items, invoice, services, audit, parties, products] = await Promise.all([
    prisma.order.findUnique({ where: { id: k.orderId } }),
    prisma.orderItem.findMany({ where: { orderId: k.orderId }, orderBy: { id: 'asc' } }),
    prisma.invoice.findUnique({ where: { orderId: k.orderId } }),
    prisma.service.findMany({ where: { orderId: k.orderId }, orderBy: { id: 'asc' } }),
    prisma.auditEntry.findMany({
      where: { orderId: k.orderId },
      orderBy: { sequence: 'asc' },
      omit: { id: true },
    }),
    prisma.party.findMany({ where: { id: k.clientId } }),
    prisma.product.findMany({ where: { id: k.productId } }),
  ]);
  return { order, items, invoice, services, audit, parties, products };
}

describe('projectOrder', () => {
  test('writes the order, items, invoice, service and audit entries; a replay changes nothing', async () => {
    const k = ids('proj');
    const view = checkoutView(k);
    await projectOrder(view, view.transitions);
    const first = await snapshot(k);

    expect(first.order).toMatchObject({
      kind: 'checkout',
      status: 'pending',
      clientId: k.clientId,
      totalCents: 999,
      currency: 'EUR',
      archived: false,
      createdAt: new Date(view.createdAt),
    });
    expect(first.items).toEqual([
      expect.objectContaining({ id: k.itemId, productId: k.productId, unitPriceCents: 999 }),
    ]);
    expect(first.invoice).toMatchObject({
      id: k.invoiceId,
      status: 'unpaid',
      amountCents: 999,
      dueAt: new Date('2026-11-08T10:00:00.000Z'),
    });
    expect(first.services).toEqual([
      expect.objectContaining({ id: k.serviceId, orderItemId: k.itemId, status: 'pending' }),
    ]);
    expect(first.audit).toEqual([
      expect.objectContaining({
        sequence: 1,
        action: 'create',
        fromStatus: null,
        toStatus: 'pending',
        actorRole: 'system',
      }),
    ]);

    await projectOrder(view, view.transitions);
    expect(await snapshot(k)).toEqual(first);
  });

  test('concurrent identical calls leave one set of rows', async () => {
    const k = ids('conc');
    const view = checkoutView(k);
    await Promise.all([1, 2, 3, 4].map(() => projectOrder(view, view.transitions)));
    const rows = await snapshot(k);
    expect(rows.items).toHaveLength(1);
    expect(rows.services).toHaveLength(1);
    expect(rows.audit).toHaveLength(1);
    expect(rows.parties).toHaveLength(1);
  });

  test('creates placeholder parties and products, never overwriting real ones', async () => {
    const k = ids('ph');
    await prisma.party.create({
      data: { id: k.clientId, kind: 'client', name: 'Real Client', email: 'real@example.test' },
    });
    const sales: OrderView = {
      ...checkoutView(k),
      kind: 'sales',
      status: 'awaiting_approval',
      approvalRoute: 'customer',
      parties: { salespersonId: `${k.clientId}-sp`, customerId: `${k.clientId}-cu` },
      invoice: undefined,
      services: [],
      activateAt: '2026-11-15T00:00:00.000Z',
      expiresAt: '2026-11-30T00:00:00.000Z',
    };
    await projectOrder(checkoutView(k), []);
    await projectOrder(
      { ...sales, orderId: `${k.orderId}-s`, items: [{ ...sales.items[0]!, id: `${k.itemId}-s` }] },
      [],
    );

    expect(await prisma.party.findUnique({ where: { id: k.clientId } })).toMatchObject({
      name: 'Real Client',
      email: 'real@example.test',
    });
    expect(await prisma.party.findUnique({ where: { id: `${k.clientId}-sp` } })).toMatchObject({
      kind: 'salesperson',
      name: `${k.clientId}-sp`,
      email: `${k.clientId}-sp@example.invalid`,
    });
    expect(await prisma.party.findUnique({ where: { id: `${k.clientId}-cu` } })).toMatchObject({
      kind: 'customer',
    });
    expect(await prisma.product.findUnique({ where: { id: k.productId } })).toMatchObject({
      name: 'Hosting S',
      type: 'hosting',
    });
    expect(await prisma.order.findUnique({ where: { id: `${k.orderId}-s` } })).toMatchObject({
      kind: 'sales',
      approvalRoute: 'customer',
      activateAt: new Date('2026-11-15T00:00:00.000Z'),
      expiresAt: new Date('2026-11-30T00:00:00.000Z'),
    });
  });

  test('a service order references its listing (a placeholder owned by the ISV when absent)', async () => {
    const k = ids('svc');
    const view: OrderView = {
      ...checkoutView(k),
      kind: 'service',
      status: 'submitted',
      parties: { isvId: `${k.clientId}-isv`, merchantId: `${k.clientId}-m` },
      listingId: `${k.orderId}-listing`,
      items: [],
      invoice: undefined,
      services: [],
      totalCents: 0,
    };
    await projectOrder(view, []);
    expect(await prisma.order.findUnique({ where: { id: k.orderId } })).toMatchObject({
      listingId: `${k.orderId}-listing`,
      merchantId: `${k.clientId}-m`,
    });
    expect(await prisma.serviceListing.findUnique({ where: { id: `${k.orderId}-listing` } })).toMatchObject({
      isvId: `${k.clientId}-isv`,
    });
  });

  test('later views update the order; a stale one afterwards changes nothing but adds no duplicate audit', async () => {
    const k = ids('seq');
    const created = checkoutView(k);
    const paidAt = '2026-11-02T09:00:00.000Z';
    const paid: OrderView = {
      ...created,
      status: 'active',
      invoice: {
        ...created.invoice!,
        status: 'paid',
        paidAt,
        paidAmountCents: 999,
        paymentReference: `${k.orderId}-pay`,
      },
      services: [{ ...created.services[0]!, status: 'active', externalAccountId: 'acct-1', attempts: 2 }],
      transitions: [...created.transitions, entry(2, 'pay', 'pending', 'active', paidAt)],
      updatedAt: paidAt,
    };
    await projectOrder(created, created.transitions);
    await projectOrder(paid, paid.transitions.slice(1));
    const after = await snapshot(k);
    expect(after.order).toMatchObject({ status: 'active', updatedAt: new Date(paidAt) });
    expect(after.invoice).toMatchObject({
      status: 'paid',
      paidAt: new Date(paidAt),
      paymentReference: `${k.orderId}-pay`,
    });
    expect(after.services[0]).toMatchObject({
      status: 'active',
      externalAccountId: 'acct-1',
      attempts: 2,
      activatedAt: new Date(paidAt),
    });
    expect(after.audit.map((a) => a.sequence)).toEqual([1, 2]);

    // A zombie attempt of the first call arriving late.
    await projectOrder(created, created.transitions);
    expect(await snapshot(k)).toEqual(after);
  });

  test('of two views of one workflow task (same updatedAt), a late retry of the older changes nothing', async () => {
    const k = ids('rev');
    const view = checkoutView(k);
    const older = { ...view, revision: 3 };
    const newer = {
      ...view,
      revision: 4,
      services: [{ ...view.services[0]!, status: 'active' as const, externalAccountId: 'acct-r' }],
    };
    await projectOrder(older, view.transitions);
    await projectOrder(newer, []);
    const after = await snapshot(k);
    expect(after.services[0]).toMatchObject({ status: 'active', externalAccountId: 'acct-r' });
    expect(after.order).toMatchObject({ projectionRevision: 4 });

    await projectOrder(older, view.transitions);
    expect(await snapshot(k)).toEqual(after);
    // The same view again (a retry of the newer call) is still written: replays are harmless.
    await projectOrder(newer, []);
    expect(await snapshot(k)).toEqual(after);
  });

  test('a listing view older by revision alone is skipped too', async () => {
    const k = ids('lrev');
    const listing = {
      ...checkoutView(k),
      orderId: `${k.orderId}-listing`,
      kind: 'listing' as const,
      parties: { isvId: `${k.clientId}-isv` },
      items: [],
      services: [],
      invoice: undefined,
      totalCents: 1000,
    };
    await projectOrder({ ...listing, status: 'online', revision: 5 }, []);
    await projectOrder({ ...listing, status: 'pending_review', revision: 4 }, []);
    expect(await prisma.serviceListing.findUnique({ where: { id: listing.orderId } })).toMatchObject({
      status: 'online',
      projectionRevision: 5,
    });
  });

  test('keeps the account id and attempt count the provisioning activity recorded', async () => {
    const k = ids('keep');
    const view = checkoutView(k);
    await projectOrder(view, []);
    await prisma.service.update({
      where: { id: k.serviceId },
      data: { externalAccountId: 'acct-x', attempts: 3, lastError: 'boom' },
    });
    await projectOrder({ ...view, updatedAt: '2026-11-01T11:00:00.000Z' }, []);
    expect(await prisma.service.findUnique({ where: { id: k.serviceId } })).toMatchObject({
      externalAccountId: 'acct-x',
      attempts: 3,
      lastError: 'boom',
    });
  });

  test('archiving dates the order once', async () => {
    const k = ids('arch');
    const view = checkoutView(k, { status: 'cancelled' });
    await projectOrder(view, []);
    const archived = { ...view, archived: true, updatedAt: '2026-11-03T00:00:00.000Z' };
    await projectOrder(archived, []);
    await projectOrder({ ...archived, updatedAt: '2026-11-04T00:00:00.000Z' }, []);
    expect(await prisma.order.findUnique({ where: { id: k.orderId } })).toMatchObject({
      archived: true,
      archivedAt: new Date('2026-11-03T00:00:00.000Z'),
    });
  });

  test('records refused actions with their refusal code', async () => {
    const k = ids('ref');
    const view = checkoutView(k);
    await projectOrder(view, [
      {
        sequence: 1,
        action: 'approve',
        actor: { role: 'client', id: k.clientId },
        from: 'pending',
        to: null,
        outcome: 'refused',
        refusal: 'role_not_allowed',
        reason: 'clients cannot approve',
        at: view.createdAt,
      },
    ]);
    expect(await prisma.auditEntry.findMany({ where: { orderId: k.orderId } })).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        actorRole: 'client',
        actorId: k.clientId,
        reason: 'role_not_allowed: clients cannot approve',
      }),
    ]);
  });

  test('orders reusing item, invoice and payment ids are all projected (ids scoped per order)', async () => {
    const a = ids('dupa');
    const b = ids('dupb');
    const shared = { itemId: `host-${a.itemId}`, invoiceId: `inv-${a.invoiceId}` };
    const paid = (k: Ids): OrderView => {
      const view = checkoutView({ ...k, ...shared, serviceId: `${k.orderId}-host` });
      return {
        ...view,
        status: 'active',
        invoice: { ...view.invoice!, status: 'paid', paymentReference: `txn-${a.orderId}` },
        services: [{ ...view.services[0]!, status: 'active' }],
      };
    };
    for (const view of [paid(a), paid(b), paid(a), paid(b)]) await projectOrder(view, view.transitions);

    const items = await prisma.orderItem.findMany({
      where: { orderId: { in: [a.orderId, b.orderId] } },
      orderBy: { orderId: 'asc' },
    });
    expect(items.map((i) => [i.orderId, i.id])).toEqual([
      [a.orderId, shared.itemId],
      [b.orderId, `${b.orderId}:${shared.itemId}`],
    ]);
    const services = await prisma.service.findMany({
      where: { orderId: { in: [a.orderId, b.orderId] } },
      orderBy: { orderId: 'asc' },
    });
    expect(services.map((s) => [s.id, s.orderItemId])).toEqual([
      [`${a.orderId}-host`, shared.itemId],
      [`${b.orderId}-host`, `${b.orderId}:${shared.itemId}`],
    ]);
    const invoices = await prisma.invoice.findMany({
      where: { orderId: { in: [a.orderId, b.orderId] } },
      orderBy: { orderId: 'asc' },
    });
    expect(invoices.map((i) => [i.id, i.paymentReference])).toEqual([
      [shared.invoiceId, `txn-${a.orderId}`],
      [`${b.orderId}:${shared.invoiceId}`, `txn-${a.orderId}#${b.orderId}`],
    ]);
  });

  test('a service id used by another order is refused without retry', async () => {
    const a = ids('svca');
    const b = ids('svcb');
    await projectOrder(checkoutView(a), []);
    const error = await projectOrder(
      checkoutView(b, { services: [{ ...checkoutView(b).services[0]!, id: a.serviceId }] }),
      [],
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      nonRetryable: true,
      message: expect.stringContaining(`service id ${a.serviceId} already belongs`),
    });
  });

  test('entries about a service keep its id in their subject', async () => {
    const k = ids('subj');
    const view = checkoutView(k);
    await projectOrder(view, [
      {
        ...entry(1, 'fail', 'pending', 'failed', view.createdAt),
        subject: k.serviceId,
        reason: 'panel down',
      },
    ]);
    expect(await prisma.auditEntry.findFirst({ where: { orderId: k.orderId } })).toMatchObject({
      action: 'fail',
      subject: k.serviceId,
      reason: 'panel down',
    });
  });

  test('a listing view goes to service_listings, newest view wins', async () => {
    const k = ids('lst');
    const listingId = `${k.orderId}-listing`;
    const listing: OrderView = {
      ...checkoutView(k),
      orderId: listingId,
      kind: 'listing',
      status: 'draft',
      parties: { isvId: `${k.clientId}-isv` },
      listingId,
      items: [],
      invoice: undefined,
      services: [],
      totalCents: 4900,
      currency: 'EUR',
    };
    await projectOrder(listing, listing.transitions);
    const turnedDown = {
      ...listing,
      status: 'turned_down',
      statusReason: 'too vague',
      updatedAt: '2026-11-02T00:00:00.000Z',
    };
    await projectOrder(turnedDown, []);
    await projectOrder(listing, listing.transitions); // stale replay
    expect(await prisma.serviceListing.findUnique({ where: { id: listingId } })).toMatchObject({
      isvId: `${k.clientId}-isv`,
      name: listingId,
      status: 'turned_down',
      reason: 'too vague',
      priceCents: 4900,
      currency: 'EUR',
    });
    expect(await prisma.party.findUnique({ where: { id: `${k.clientId}-isv` } })).toMatchObject({
      kind: 'isv',
    });
    expect(await prisma.order.findUnique({ where: { id: listingId } })).toBeNull();
  });

  test('bad input fails without retry', async () => {
    const k = ids('bad');
    const bad = [
      projectOrder({ ...checkoutView(k), orderId: '' }, []),
      projectOrder({ ...checkoutView(k), kind: 'bogus' as never }, []),
      projectOrder({ ...checkoutView(k), updatedAt: 'yesterday' }, []),
      projectOrder(checkoutView(k), [entry(0, 'create', null, 'pending', '2026-11-01T10:00:00.000Z')]),
    ];
    for (const call of bad) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable).toBe(true);
    }
    expect(await prisma.order.findUnique({ where: { id: k.orderId } })).toBeNull();
  });
});
