// The facts an email shows that the workflow does not carry (names, addresses, product names,
// invoice, listing), read from the order's Postgres projection when the email is sent. The email
// waits for the projection of the state it announces (workflows/order/runtime.ts), so these are
// at least that fresh; email_log still sends each email once, however often this is read.
import type { Sql } from '../../database/sql';
import type { EmailContext, EmailParty } from './templates';

const partyFields = ['client', 'customer', 'salesperson', 'isv', 'merchant'] as const;
type PartyField = (typeof partyFields)[number];

const partyColumn = (field: PartyField): string =>
  `(SELECT json_build_object('id', p."id", 'name', p."name", 'email', p."email")
     FROM "parties" p WHERE p."id" = o."${field}Id") AS "${field}"`;

// One statement for the order and everything it names. The same read as a Prisma model query with
// its nine relations cost the worker about ten times the CPU (planning and joining in JavaScript),
// four times per checkout order (bench/orders). Rows come as JSON, times as ISO strings.
const CONTEXT_SQL = `
SELECT o."id", o."kind", o."status", o."statusReason", o."totalCents", o."currency", o."expiresAt",
  ${partyFields.map(partyColumn).join(',\n  ')},
  (SELECT json_build_object('id', l."id", 'name', l."name", 'priceCents', l."priceCents", 'currency', l."currency")
     FROM "service_listings" l WHERE l."id" = o."listingId") AS "listing",
  (SELECT json_build_object('id', v."id", 'status', v."status", 'amountCents', v."amountCents",
       'currency', v."currency", 'dueAt', v."dueAt", 'paidAmountCents', v."paidAmountCents",
       'paymentReference', v."paymentReference")
     FROM "invoices" v WHERE v."orderId" = o."id") AS "invoice",
  COALESCE((SELECT json_agg(json_build_object('id', i."id", 'productId', i."productId", 'productName', pr."name",
       'quantity', i."quantity", 'unitPriceCents', i."unitPriceCents") ORDER BY i."id")
     FROM "order_items" i JOIN "products" pr ON pr."id" = i."productId" WHERE i."orderId" = o."id"), '[]') AS "items",
  COALESCE((SELECT json_agg(json_build_object('id', s."id", 'orderItemId', s."orderItemId", 'productId', s."productId",
       'productName', pr."name", 'status', s."status", 'externalAccountId', s."externalAccountId") ORDER BY s."orderItemId")
     FROM "services" s JOIN "products" pr ON pr."id" = s."productId" WHERE s."orderId" = o."id"), '[]') AS "services"
FROM "orders" o WHERE o."id" = $1`;

type Row = Pick<
  EmailContext['order'],
  'id' | 'kind' | 'status' | 'statusReason' | 'totalCents' | 'currency'
> &
  Record<PartyField, EmailParty | null> & {
    expiresAt: Date | null;
    listing: NonNullable<EmailContext['listing']> | null;
    invoice: NonNullable<EmailContext['invoice']> | null;
    items: EmailContext['items'];
    services: EmailContext['services'];
  };

const isoTime = (value: string | Date): string => new Date(value).toISOString();

/** Null when the order is not projected yet (the caller retries). */
export async function loadEmailContext(
  sql: Sql,
  orderId: string,
  recipient: { partyId: string } | { admins: string },
): Promise<EmailContext | null> {
  const [order] = await sql.rows<Row>(CONTEXT_SQL, orderId);
  if (!order) return null;
  // An item id another order took first is stored scoped (`<order>:<item>`, see the projection):
  // the workflow names items by their own id.
  const ownId = (id: string): string => (id.startsWith(`${orderId}:`) ? id.slice(orderId.length + 1) : id);
  const parties: EmailContext['parties'] = {};
  for (const field of partyFields) {
    const p = order[field];
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
      expiresAt: order.expiresAt ? isoTime(order.expiresAt) : null,
    },
    recipient: { name: named?.name ?? '', email: named?.email ?? '' },
    parties,
    items: order.items.map((i) => ({ ...i, id: ownId(i.id) })),
    invoice: order.invoice && { ...order.invoice, dueAt: isoTime(order.invoice.dueAt) },
    services: order.services.map((s) => ({ ...s, orderItemId: ownId(s.orderItemId) })),
    listing: order.listing,
  };
}
