// The facts an email shows that the workflow does not carry (names, addresses, product names,
// invoice, listing), read from the order's Postgres projection when the email is sent. The email
// waits for the projection of the state it announces (workflows/order/runtime.ts), so these are
// at least that fresh; email_log still sends each email once, however often this is read.
import type { PrismaClient } from '../../generated/prisma/client';
import type { EmailContext, EmailParty } from './templates';

const partyFields = ['client', 'customer', 'salesperson', 'isv', 'merchant'] as const;

/** Null when the order is not projected yet (the caller retries). */
export async function loadEmailContext(
  prisma: PrismaClient,
  orderId: string,
  recipient: { partyId: string } | { admins: string },
): Promise<EmailContext | null> {
  const party = { select: { id: true, name: true, email: true } } as const;
  const order = await prisma.order.findUnique({
    where: { id: orderId },
    include: {
      client: party,
      customer: party,
      salesperson: party,
      isv: party,
      merchant: party,
      listing: { select: { id: true, name: true, priceCents: true, currency: true } },
      items: { include: { product: { select: { name: true } } }, orderBy: { id: 'asc' } },
      invoice: true,
      services: { include: { product: { select: { name: true } } }, orderBy: { orderItemId: 'asc' } },
    },
  });
  if (!order) return null;
  // An item id another order took first is stored scoped (`<order>:<item>`, see the projection):
  // the workflow names items by their own id.
  const ownId = (id: string): string => (id.startsWith(`${orderId}:`) ? id.slice(orderId.length + 1) : id);
  const parties: EmailContext['parties'] = {};
  for (const field of partyFields) {
    const p = order[field] as EmailParty | null;
    if (p) parties[field] = p;
  }
  const named =
    'partyId' in recipient
      ? Object.values(parties).find((p) => p.id === recipient.partyId)
      : { name: 'admins', email: recipient.admins };
  return {
    order: {
      id: order.id,
      kind: order.kind,
      status: order.status,
      statusReason: order.statusReason,
      totalCents: order.totalCents,
      currency: order.currency,
      expiresAt: order.expiresAt?.toISOString() ?? null,
    },
    recipient: { name: named?.name ?? '', email: named?.email ?? '' },
    parties,
    items: order.items.map((i) => ({
      id: ownId(i.id),
      productId: i.productId,
      productName: i.product.name,
      quantity: i.quantity,
      unitPriceCents: i.unitPriceCents,
    })),
    invoice: order.invoice && {
      id: order.invoice.id,
      status: order.invoice.status,
      amountCents: order.invoice.amountCents,
      currency: order.invoice.currency,
      dueAt: order.invoice.dueAt.toISOString(),
      paidAmountCents: order.invoice.paidAmountCents,
      paymentReference: order.invoice.paymentReference,
    },
    services: order.services.map((s) => ({
      id: s.id,
      orderItemId: ownId(s.orderItemId),
      productId: s.productId,
      productName: s.product.name,
      status: s.status,
      externalAccountId: s.externalAccountId,
    })),
    listing: order.listing,
  };
}
