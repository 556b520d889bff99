// Rows an order refers to by foreign key (parties, products, its listing) that may not exist yet:
// the workflow knows only their ids. A placeholder row is inserted when one is absent, so the
// projection never blocks a workflow; an existing row (a real party, the catalog's product) is
// never overwritten (insert ... on conflict do nothing, here or in order-statement.ts).
import type { Prisma } from '../../generated/prisma/client';
import type { OrderItemInput, OrderView } from '../../workflows/contract';

type Tx = Prisma.TransactionClient;

/** The party kind of each party field of an order. */
export const partyKindByField = {
  clientId: 'client',
  isvId: 'isv',
  merchantId: 'merchant',
  salespersonId: 'salesperson',
  customerId: 'customer',
} as const;

export const placeholderEmail = (partyId: string): string => `${partyId}@example.invalid`;

/** The placeholder row of each party the order names. */
export function placeholderParties(parties: OrderView['parties']): Prisma.PartyCreateManyInput[] {
  return (Object.keys(partyKindByField) as (keyof typeof partyKindByField)[])
    .map((field) => [field, parties[field]] as const)
    .filter(
      (entry): entry is readonly [keyof typeof partyKindByField, string] => typeof entry[1] === 'string',
    )
    .map(([field, id]) => ({ id, kind: partyKindByField[field], name: id, email: placeholderEmail(id) }))
    .sort(idOrder);
}

/**
 * Placeholders are inserted in id order: two orders inserting the same new rows then wait for each
 * other in the same order, instead of each holding one the other needs (a deadlock, 40P01).
 */
const idOrder = (a: { id?: string }, b: { id?: string }): number =>
  (a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0;

export async function ensureParties(tx: Tx, parties: OrderView['parties']): Promise<void> {
  const data = placeholderParties(parties);
  if (data.length > 0) await tx.party.createMany({ data, skipDuplicates: true });
}

/** The placeholder row of each product the items and services name (services' extra ids as hosting). */
export function placeholderProducts(
  items: readonly OrderItemInput[],
  extraProductIds: readonly string[],
  currency: string,
): Prisma.ProductCreateManyInput[] {
  const byId = new Map<string, Prisma.ProductCreateManyInput>();
  for (const item of items) {
    if (byId.has(item.productId)) continue;
    byId.set(item.productId, {
      id: item.productId,
      name: item.productName ?? item.productId,
      type: item.productType,
      priceCents: item.unitPriceCents,
      currency,
      billingCycle: 'one_time',
    });
  }
  for (const id of extraProductIds) {
    if (!byId.has(id))
      byId.set(id, { id, name: id, type: 'hosting', priceCents: 0, currency, billingCycle: 'one_time' });
  }
  return [...byId.values()].sort(idOrder);
}
