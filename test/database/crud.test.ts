// A Prisma round trip over the migrated database: an order with items, its invoice and audit
// rows, services and emails; the unique ledgers refuse duplicates.
import { randomUUID } from 'node:crypto';
import { testPrisma } from '../setup/database';

const prisma = testPrisma();

async function newCheckoutOrder() {
  const client = await prisma.party.create({
    data: { kind: 'client', name: 'Ada Client', email: `ada-${randomUUID()}@example.test` },
  });
  const hosting = await prisma.product.create({
    data: { name: 'Hosting S', type: 'hosting', priceCents: 999, billingCycle: 'monthly' },
  });
  const domain = await prisma.product.create({
    data: { name: 'Domain', type: 'other', priceCents: 1500, billingCycle: 'annually' },
  });
  const orderId = randomUUID();
  const order = await prisma.order.create({
    data: {
      id: orderId,
      kind: 'checkout',
      status: 'pending',
      clientId: client.id,
      totalCents: 999 * 2 + 1500,
      items: {
        create: [
          { productId: hosting.id, quantity: 2, unitPriceCents: 999 },
          { productId: domain.id, unitPriceCents: 1500 },
        ],
      },
      invoice: { create: { amountCents: 999 * 2 + 1500, dueAt: new Date(Date.now() + 7 * 86_400_000) } },
      auditEntries: {
        create: {
          sequence: 1,
          toStatus: 'pending',
          action: 'create',
          actorRole: 'client',
          actorId: client.id,
          outcome: 'accepted',
        },
      },
    },
    include: { items: true, invoice: true },
  });
  return { order, client, hosting, domain };
}

describe('Prisma round trip', () => {
  it('creates an order with items, invoice and audit trail and reads it back', async () => {
    const { order, client } = await newCheckoutOrder();
    expect(order.items).toHaveLength(2);
    expect(order.invoice).toMatchObject({
      status: 'unpaid',
      amountCents: 3498,
      currency: 'USD',
      paidAt: null,
    });
    expect(order.archived).toBe(false);

    const paid = await prisma.invoice.update({
      where: { orderId: order.id },
      data: {
        status: 'paid',
        paidAt: new Date(),
        paidAmountCents: 3498,
        paymentReference: `pay-${randomUUID()}`,
      },
    });
    await prisma.order.update({ where: { id: order.id }, data: { status: 'active' } });
    await prisma.auditEntry.create({
      data: {
        orderId: order.id,
        sequence: 2,
        fromStatus: 'pending',
        toStatus: 'active',
        action: 'pay',
        actorRole: 'client',
        actorId: client.id,
        outcome: 'accepted',
      },
    });

    const read = await prisma.order.findUniqueOrThrow({
      where: { id: order.id },
      include: {
        items: { include: { product: true } },
        invoice: true,
        auditEntries: { orderBy: { sequence: 'asc' } },
        client: true,
      },
    });
    expect(read.status).toBe('active');
    expect(read.client?.email).toBe(client.email);
    expect(read.invoice?.paymentReference).toBe(paid.paymentReference);
    expect(read.auditEntries.map((a) => [a.sequence, a.fromStatus, a.toStatus])).toEqual([
      [1, null, 'pending'],
      [2, 'pending', 'active'],
    ]);
    expect(read.items.map((i) => i.product.type).sort()).toEqual(['hosting', 'other']);
    expect(read.createdAt).toBeInstanceOf(Date);
  });

  it('refuses a second audit entry with the same (order, sequence)', async () => {
    const { order } = await newCheckoutOrder();
    const duplicate = prisma.auditEntry.create({
      data: { orderId: order.id, sequence: 1, action: 'create', actorRole: 'admin', outcome: 'accepted' },
    });
    await expect(duplicate).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.auditEntry.count({ where: { orderId: order.id } })).toBe(1);
  });

  it('refuses a second email with the same (order, template)', async () => {
    const { order, client } = await newCheckoutOrder();
    await prisma.emailLog.create({
      data: { orderId: order.id, template: 'welcome', recipient: client.email },
    });
    await expect(
      prisma.emailLog.create({ data: { orderId: order.id, template: 'welcome', recipient: client.email } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await prisma.emailLog.create({
      data: { orderId: order.id, template: 'invoice_paid', recipient: client.email },
    });
    expect(await prisma.emailLog.count({ where: { orderId: order.id } })).toBe(2);
  });

  it('allows one service per order item and one invoice per order', async () => {
    const { order, hosting } = await newCheckoutOrder();
    const item = order.items.find((i) => i.productId === hosting.id)!;
    await prisma.service.create({ data: { orderId: order.id, orderItemId: item.id, productId: hosting.id } });
    await expect(
      prisma.service.create({ data: { orderId: order.id, orderItemId: item.id, productId: hosting.id } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    await expect(
      prisma.invoice.create({ data: { orderId: order.id, amountCents: 1, dueAt: new Date() } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it('keeps idempotency keys unique per principal and stores the response as JSON', async () => {
    const principal = await prisma.apiPrincipal.create({ data: { keyHash: randomUUID(), role: 'admin' } });
    const other = await prisma.apiPrincipal.create({ data: { keyHash: randomUUID(), role: 'admin' } });
    const body = { id: 'o-1', status: 'pending', items: [{ quantity: 2 }] };
    await prisma.idempotencyKey.create({
      data: {
        key: 'k-1',
        principalId: principal.id,
        requestHash: 'h',
        responseStatus: 201,
        responseBody: body,
      },
    });
    await prisma.idempotencyKey.create({ data: { key: 'k-1', principalId: other.id, requestHash: 'h' } });
    await expect(
      prisma.idempotencyKey.create({ data: { key: 'k-1', principalId: principal.id, requestHash: 'h2' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
    const saved = await prisma.idempotencyKey.findUniqueOrThrow({
      where: { key_principalId: { key: 'k-1', principalId: principal.id } },
    });
    expect(saved.responseBody).toEqual(body);
  });

  it('has the single settings row from the first migration', async () => {
    const settings = await prisma.settings.findUniqueOrThrow({ where: { id: 1 } });
    expect(typeof settings.autoApprove).toBe('boolean');
    expect(settings.invoiceDueDays).toBeGreaterThan(0);
  });

  it('runs interactive transactions and rolls them back on error', async () => {
    const email = `tx-${randomUUID()}@example.test`;
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.party.create({ data: { kind: 'customer', name: 'Tx', email } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await prisma.party.count({ where: { email } })).toBe(0);
  });
});
