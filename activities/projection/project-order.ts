// Writes an order workflow's view to Postgres: the order row, its items, invoice and services,
// and the new audit entries, in one transaction. Listing views (kind `listing`) go to
// service_listings (project-listing.ts).
//
// Replaying a call changes nothing: rows are keyed by the workflow's ids (order, item, invoice per
// order, service per order item) and audit entries by (order, sequence) with ON CONFLICT DO
// NOTHING. A late retry of an older call (a zombie attempt) never rolls the order back: the order
// row, invoice and services are only written when the view is at least as new as the stored row
// (by the view's updatedAt); audit entries, being immutable, are always inserted. Rows carry the
// view's updatedAt rather than the wall clock, so a replay writes identical rows.
import type { Logger } from 'pino';
import type { Prisma, PrismaClient } from '../../generated/prisma/client';
import type { OrderItemInput, OrderView, ServiceView, TransitionEntry } from '../../workflows/contract';
import type { ProjectionActivities } from '../contract';
import { badRequest } from '../errors';
import { ensureListing, ensureParties, ensureProducts } from './placeholders';
import { writeListing } from './project-listing';

type Tx = Prisma.TransactionClient;

const KINDS = ['checkout', 'service', 'sales', 'listing'];

/** Generous: the embedded database serves one session at a time, so a transaction may queue. */
export const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export function createProjectionActivities(deps: {
  prisma: PrismaClient;
  log?: Logger;
}): ProjectionActivities {
  const { prisma, log } = deps;
  return {
    async projectOrder(view: OrderView, entries: readonly TransitionEntry[]): Promise<void> {
      validate(view, entries);
      const updatedAt = date('updatedAt', view.updatedAt);
      const written = await prisma.$transaction(async (tx) => {
        if (view.kind === 'listing')
          return writeListing(tx, view, updatedAt, date('createdAt', view.createdAt));
        // Serialises projections of one order (a retry racing a zombie attempt).
        await tx.$executeRaw`SELECT 1 FROM "orders" WHERE "id" = ${view.orderId} FOR UPDATE`;
        const existing = await tx.order.findUnique({
          where: { id: view.orderId },
          select: { updatedAt: true, archivedAt: true },
        });
        const current = !existing || existing.updatedAt.getTime() <= updatedAt.getTime();
        if (current) await writeOrder(tx, view, existing?.archivedAt ?? null);
        await writeAudit(tx, view.orderId, entries);
        return current;
      }, TRANSACTION_OPTIONS);
      if (!written) log?.debug({ orderId: view.orderId }, 'stale projection skipped (a newer one is stored)');
    },
  };
}

async function writeOrder(tx: Tx, view: OrderView, archivedAt: Date | null): Promise<void> {
  await ensureParties(tx, view.parties);
  await ensureProducts(
    tx,
    view.items,
    view.services.map((s) => s.productId),
    view.currency,
  );
  const listingId = await ensureListing(tx, view);
  const updatedAt = date('updatedAt', view.updatedAt);
  const fields = {
    kind: view.kind,
    status: view.status,
    statusReason: view.statusReason ?? null,
    previousStatus: view.previousStatus ?? null,
    approvalRoute: view.approvalRoute ?? null,
    clientId: view.parties.clientId ?? null,
    isvId: view.parties.isvId ?? null,
    merchantId: view.parties.merchantId ?? null,
    salespersonId: view.parties.salespersonId ?? null,
    customerId: view.parties.customerId ?? null,
    listingId,
    totalCents: view.totalCents,
    currency: view.currency,
    activateAt: optionalDate('activateAt', view.activateAt),
    expiresAt: optionalDate('expiresAt', view.expiresAt),
    archived: view.archived,
    // The first projection that shows it archived dates it.
    archivedAt: view.archived ? (archivedAt ?? updatedAt) : null,
    updatedAt,
  };
  await tx.order.upsert({
    where: { id: view.orderId },
    create: { id: view.orderId, createdAt: date('createdAt', view.createdAt), ...fields },
    update: fields,
  });

  const itemIds = await writeItems(tx, view);

  if (view.invoice) {
    const invoice = view.invoice;
    const data = {
      status: invoice.status,
      amountCents: invoice.amountCents,
      currency: invoice.currency,
      dueAt: date('invoice.dueAt', invoice.dueAt),
      paidAt: optionalDate('invoice.paidAt', invoice.paidAt),
      paidAmountCents: invoice.paidAmountCents ?? null,
      paymentReference: await paymentReference(tx, view.orderId, invoice.paymentReference),
      updatedAt,
    };
    const taken = await tx.invoice.findUnique({ where: { id: invoice.id }, select: { orderId: true } });
    const id = taken && taken.orderId !== view.orderId ? scoped(view.orderId, invoice.id) : invoice.id;
    await tx.invoice.upsert({
      where: { orderId: view.orderId },
      create: { id, orderId: view.orderId, ...data },
      update: data,
    });
  }

  await writeServices(tx, view, itemIds, updatedAt);
}

/**
 * Ids the workflow chose are unique within its order; the tables key items and invoices globally.
 * An id already used by another order is stored scoped as `<orderId>:<id>`, so two orders that
 * both name their item `host` are both projected. The choice is stable: replays find the same
 * rows. Returns the stored id of each item id.
 */
async function writeItems(tx: Tx, view: OrderView): Promise<Map<string, string>> {
  const stored = new Map<string, string>();
  if (view.items.length === 0) return stored;
  const rows = (item: OrderItemInput, id: string) => ({
    id,
    orderId: view.orderId,
    productId: item.productId,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents,
  });
  await tx.orderItem.createMany({
    data: view.items.map((item) => rows(item, item.id)),
    skipDuplicates: true,
  });
  const owners = new Map(
    (
      await tx.orderItem.findMany({
        where: { id: { in: view.items.map((i) => i.id) } },
        select: { id: true, orderId: true },
      })
    ).map((row) => [row.id, row.orderId]),
  );
  const clashing = view.items.filter((item) => owners.get(item.id) !== view.orderId);
  for (const item of view.items) stored.set(item.id, item.id);
  for (const item of clashing) stored.set(item.id, scoped(view.orderId, item.id));
  if (clashing.length > 0) {
    await tx.orderItem.createMany({
      data: clashing.map((item) => rows(item, scoped(view.orderId, item.id))),
      skipDuplicates: true,
    });
  }
  return stored;
}

const scoped = (orderId: string, id: string): string => `${orderId}:${id}`;

/**
 * payment references are unique (one payment cannot pay two invoices). The workflow cannot see
 * other orders, so a reference already recorded on another order's invoice is kept, suffixed
 * with this order's id, rather than blocking the projection; the API refuses such payments
 * before they reach a workflow.
 */
async function paymentReference(
  tx: Tx,
  orderId: string,
  reference: string | undefined,
): Promise<string | null> {
  if (reference === undefined || reference === '') return null;
  const owner = await tx.invoice.findUnique({
    where: { paymentReference: reference },
    select: { orderId: true },
  });
  return owner && owner.orderId !== orderId ? `${reference}#${orderId}` : reference;
}

/**
 * One service per order item. The provisioning activity records attempts, lastError and the
 * account id on the row as it goes; the projection never lowers the attempt count nor forgets
 * an account id or an error the view does not mention.
 */
async function writeServices(
  tx: Tx,
  view: OrderView,
  itemIds: ReadonlyMap<string, string>,
  at: Date,
): Promise<void> {
  if (view.services.length === 0) return;
  const existing = new Map(
    (await tx.service.findMany({ where: { orderId: view.orderId } })).map((row) => [row.orderItemId, row]),
  );
  for (const service of view.services) {
    const orderItemId = itemIds.get(service.orderItemId);
    if (!orderItemId) {
      throw badRequest(
        'projectOrder',
        `service ${service.id} names item ${service.orderItemId}, not an item of the order`,
      );
    }
    const row = existing.get(orderItemId);
    if (!row) {
      const taken = await tx.service.findUnique({ where: { id: service.id }, select: { orderId: true } });
      if (taken) {
        // Service ids are the provisioning idempotency key: sharing one would share an account.
        throw badRequest(
          'projectOrder',
          `service id ${service.id} already belongs to order ${taken.orderId}`,
        );
      }
      await tx.service.create({
        data: {
          id: service.id,
          orderId: view.orderId,
          orderItemId,
          productId: service.productId,
          status: service.status,
          externalAccountId: service.externalAccountId ?? null,
          lastError: service.lastError ?? null,
          attempts: service.attempts,
          activatedAt: isLive(service.status) ? at : null,
          updatedAt: at,
        },
      });
      continue;
    }
    await tx.service.update({
      where: { orderItemId },
      data: {
        status: service.status,
        externalAccountId: service.externalAccountId ?? row.externalAccountId,
        lastError: lastError(service, row.lastError),
        attempts: Math.max(row.attempts, service.attempts),
        activatedAt: isLive(service.status) ? (row.activatedAt ?? at) : row.activatedAt,
        updatedAt: at,
      },
    });
  }
}

/** A checkout service is `active`, a sales order's product `activated`. */
const isLive = (status: string): boolean => status === 'active' || status === 'activated';

function lastError(service: ServiceView, stored: string | null): string | null {
  if (service.lastError !== undefined) return service.lastError;
  return isLive(service.status) ? null : stored;
}

async function writeAudit(tx: Tx, orderId: string, entries: readonly TransitionEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.auditEntry.createMany({
    data: entries.map((e) => ({
      orderId,
      sequence: e.sequence,
      fromStatus: e.from,
      toStatus: e.to,
      action: e.action,
      actorRole: e.actor.role,
      actorId: e.actor.id,
      reason: auditReason(e),
      outcome: e.outcome,
      at: date('entry.at', e.at),
    })),
    skipDuplicates: true,
  });
}

/**
 * audit_entries has no columns for a refusal code or the entry's subject (the service an entry is
 * about), so both lead the reason: "service svc-1: role_not_allowed: clients cannot retry".
 */
export function auditReason(e: TransitionEntry): string | null {
  const parts = [
    e.subject ? `service ${e.subject}` : undefined,
    e.outcome === 'refused' ? e.refusal : undefined,
    e.reason,
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length > 0 ? parts.join(': ') : null;
}

function validate(view: OrderView, entries: readonly TransitionEntry[]): void {
  if (view === null || typeof view !== 'object') throw badRequest('projectOrder', 'view must be an object');
  if (typeof view.orderId !== 'string' || view.orderId === '') {
    throw badRequest('projectOrder', 'view.orderId must be a non-empty string');
  }
  if (!KINDS.includes(view.kind)) {
    throw badRequest('projectOrder', `order ${view.orderId}: unknown kind "${String(view.kind)}"`);
  }
  if (!Array.isArray(entries)) throw badRequest('projectOrder', 'entries must be an array');
  for (const e of entries) {
    if (!Number.isInteger(e.sequence) || e.sequence < 1) {
      throw badRequest(
        'projectOrder',
        `order ${view.orderId}: audit sequence ${String(e.sequence)} is not a positive integer`,
      );
    }
  }
}

function date(field: string, value: string): Date {
  const d = new Date(value);
  if (typeof value !== 'string' || Number.isNaN(d.getTime())) {
    throw badRequest('projectOrder', `${field} is not an ISO date: ${String(value)}`);
  }
  return d;
}

function optionalDate(field: string, value: string | null | undefined): Date | null {
  return value === undefined || value === null ? null : date(field, value);
}
