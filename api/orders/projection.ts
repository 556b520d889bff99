// Orders as the Prisma projection stores them, read back into the workflow's view shape so the
// API renders and authorises both sources the same way.
import type { OrderSummary } from '../resources';
import { instant } from '../../domain';
import type { Prisma, PrismaClient } from '../../generated/prisma/client';
import type { OrderKind, OrderView } from '../../workflows/contract';
import { idSchema } from '../schemas';
import type { HistoryEntry } from './order-model';

const orderDetail = {
  items: { include: { product: { select: { name: true, type: true } } } },
  invoice: true,
  services: true,
  auditEntries: { orderBy: { sequence: 'asc' } },
  listing: { select: { name: true } },
} satisfies Prisma.OrderInclude;

type OrderRow = Prisma.OrderGetPayload<{ include: typeof orderDetail }>;

const iso = (d: Date | null | undefined): string | undefined => (d ? d.toISOString() : undefined);
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function partiesOf(row: {
  clientId: string | null;
  isvId: string | null;
  merchantId: string | null;
  salespersonId: string | null;
  customerId: string | null;
}): OrderView['parties'] {
  return Object.fromEntries(
    (['clientId', 'isvId', 'merchantId', 'salespersonId', 'customerId'] as const)
      .filter((k) => row[k] !== null)
      .map((k) => [k, row[k]]),
  );
}

/** A service order's one line, its listing (the projection stores no item row for it). */
function serviceOrderItems(row: OrderRow): OrderView['items'] {
  if (!row.listingId) return [];
  return [
    {
      id: `${row.id}-item-1`,
      productId: row.listingId,
      ...(row.listing ? { productName: row.listing.name } : {}),
      productType: 'other',
      quantity: 1,
      unitPriceCents: row.totalCents,
    },
  ];
}

function viewOf(row: OrderRow): OrderView {
  return {
    orderId: row.id,
    kind: row.kind as OrderKind,
    status: row.status,
    statusReason: opt(row.statusReason),
    previousStatus: opt(row.previousStatus),
    approvalRoute: opt(row.approvalRoute),
    parties: partiesOf(row),
    listingId: opt(row.listingId),
    items:
      row.kind === 'service'
        ? serviceOrderItems(row)
        : row.items.map((i) => ({
            id: i.id,
            productId: i.productId,
            productName: i.product.name,
            productType: i.product.type === 'hosting' ? 'hosting' : 'other',
            quantity: i.quantity,
            unitPriceCents: i.unitPriceCents,
          })),
    totalCents: row.totalCents,
    currency: row.currency,
    activateAt: iso(row.activateAt),
    expiresAt: iso(row.expiresAt),
    archived: row.archived,
    invoice: row.invoice
      ? {
          id: row.invoice.id,
          status: row.invoice.status as 'unpaid' | 'paid' | 'cancelled',
          amountCents: row.invoice.amountCents,
          currency: row.invoice.currency,
          dueAt: row.invoice.dueAt.toISOString(),
          overdue: row.invoice.status === 'unpaid' && row.invoice.dueAt.getTime() <= Date.now(),
          paidAt: iso(row.invoice.paidAt),
          paidAmountCents: opt(row.invoice.paidAmountCents),
          paymentReference: opt(row.invoice.paymentReference),
        }
      : undefined,
    services: row.services.map((s) => ({
      id: s.id,
      orderItemId: s.orderItemId,
      productId: s.productId,
      status: s.status,
      externalAccountId: opt(s.externalAccountId),
      lastError: opt(s.lastError),
      attempts: s.attempts,
    })),
    transitions: [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The audit trail as the API shows it (the projection stores refusal codes inside `reason`). */
function historyOfRow(row: OrderRow): HistoryEntry[] {
  return row.auditEntries.map((e) => ({
    sequence: e.sequence,
    action: e.action,
    from: e.fromStatus,
    to: e.toStatus,
    actor: { role: e.actorRole, id: e.actorId },
    outcome: e.outcome,
    reason: e.reason,
    service: e.subject,
    at: e.at.toISOString(),
  }));
}

export async function findProjectedOrder(
  prisma: PrismaClient,
  id: string,
): Promise<{ view: OrderView; history: HistoryEntry[] } | null> {
  const row = await prisma.order.findUnique({ where: { id }, include: orderDetail });
  return row ? { view: viewOf(row), history: historyOfRow(row) } : null;
}

/** Opaque page cursor: the last row's creation time and id (rows are listed newest first). */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    // A cursor is client input: its parts must pass the same checks as an id or a date filter, so
    // that nothing Postgres would refuse (a NUL byte, year 0) reaches the query.
    if (!idSchema.safeParse(id).success || !instant.safeParse(at).success) return null;
    return { createdAt: new Date(at as string), id: id as string };
  } catch {
    return null;
  }
}

export function summaryOf(row: Prisma.OrderGetPayload<object>): OrderSummary {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    statusReason: row.statusReason,
    parties: partiesOf(row),
    listingId: row.listingId,
    totalCents: row.totalCents,
    currency: row.currency,
    activateAt: iso(row.activateAt) ?? null,
    expiresAt: iso(row.expiresAt) ?? null,
    archived: row.archived,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
