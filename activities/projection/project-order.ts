// Writes an order workflow's view to Postgres: the order row, its items, invoice and services,
// and the new audit entries, in one SQL statement (order-statement.ts). Listing views (kind `listing`) go to
// service_listings (project-listing.ts).
//
// Replaying a call changes nothing: rows are keyed by the workflow's ids (order, item, invoice per
// order, service per order item) and audit entries by (order, sequence) with ON CONFLICT DO
// NOTHING. A late retry of an older call (a zombie attempt) never rolls the order back: the order
// row, invoice and services are only written when the view is at least as new as the stored row
// (by the view's updatedAt, then its ledger revision); audit entries, being immutable, are always
// inserted. Rows carry the view's updatedAt rather than the wall clock, so a replay writes
// identical rows.
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { PrismaClient } from '../../generated/prisma/client';
import { sqlOf, sqlState, type Sql } from '../../database/sql';
import type { ProjectedView, TransitionEntry } from '../../workflows/contract';
import type { ProjectionActivities } from '../contract';
import { activityAttempt } from '../activity-context';
import { badRequest } from '../errors';
import { PROJECT_ORDER_SQL } from './order-statement';
import { placeholderParties, placeholderProducts } from './placeholders';
import { writeListing } from './project-listing';

const KINDS = ['checkout', 'service', 'sales', 'listing'];

/** Generous: the embedded database serves one session at a time, so a transaction may queue. */
export const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export function createProjectionActivities(deps: {
  prisma: PrismaClient;
  log?: Logger;
  /** Attempts before a failing projection is given up; PROJECTION_MAX_ATTEMPTS by default. */
  maxAttempts?: number;
}): ProjectionActivities {
  const { prisma, log } = deps;
  const sql = sqlOf(prisma);
  const maxAttempts = deps.maxAttempts ?? PROJECTION_MAX_ATTEMPTS;
  return {
    async projectOrder(view: ProjectedView, entries: readonly TransitionEntry[]): Promise<void> {
      try {
        await project(view, entries);
      } catch (error) {
        // Retrying cannot help a view the database refuses, and a failure that outlasts the
        // attempts is given up too: either way it is recorded (visible on the order and in
        // /health) and the workflow is told it failed for good, so one order is not retried
        // without end.
        const attempt = activityAttempt() ?? 1;
        if (!isPermanent(error) && attempt < maxAttempts) throw error;
        const message = error instanceof Error ? error.message : String(error);
        if (typeof view?.orderId === 'string' && view.orderId !== '') {
          await recordFailure(prisma, view, message, attempt).catch((e: unknown) => {
            log?.error({ err: e, orderId: view.orderId }, 'could not record a projection failure');
          });
        }
        log?.error({ orderId: view?.orderId, attempt, error: message }, 'projection failed for good');
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
        throw ApplicationFailure.nonRetryable(
          `projectOrder: order ${String(view?.orderId)} could not be stored: ${message}`,
          'ProjectionFailed',
        );
      }
    },
  };

  async function project(view: ProjectedView, entries: readonly TransitionEntry[]): Promise<void> {
    validate(view, entries);
    const updatedAt = date('updatedAt', view.updatedAt);
    let written: boolean;
    if (view.kind === 'listing') {
      written = await prisma.$transaction(
        (tx) => writeListing(tx, view, updatedAt, date('createdAt', view.createdAt)),
        TRANSACTION_OPTIONS,
      );
    } else {
      written = await writeOrder(sql, view.orderId, JSON.stringify(orderPayload(view, entries))).catch(
        async (error: unknown) => {
          throw (await serviceIdClash(prisma, view)) ?? error;
        },
      );
    }
    if (!written) log?.debug({ orderId: view.orderId }, 'stale projection skipped (a newer one is stored)');
    // An order's statement clears its failure itself; a listing's is cleared here.
    else if (view.kind === 'listing')
      await prisma.projectionFailure.deleteMany({ where: { orderId: view.orderId } });
  }
}

/**
 * Attempts after which a projection that keeps failing is given up (about four minutes with the
 * workflow's backoff of 1 s doubling up to a minute).
 */
export const PROJECTION_MAX_ATTEMPTS = 10;

/**
 * Failures no retry can fix: a request the activity refused as malformed, or a value Postgres
 * refuses (SQLSTATE class 22, data exception: a NUL byte, an unpaired surrogate, a number out of
 * range; class 54, a program limit such as an over-long index entry).
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof ApplicationFailure) return error.nonRetryable === true;
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('54'));
}

/** The failure, with an error message Postgres can store (the refused value may be quoted in it). */
async function recordFailure(
  prisma: PrismaClient,
  view: ProjectedView,
  message: string,
  attempts: number,
): Promise<void> {
  const error = message
    .replaceAll('\u0000', '\\0')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .slice(0, 2_000);
  const revision = Number.isInteger(view.revision) ? view.revision! : 0;
  await prisma.projectionFailure.upsert({
    where: { orderId: view.orderId },
    create: { orderId: view.orderId, revision, error, attempts },
    update: { revision, error, attempts, failedAt: new Date() },
  });
}

/**
 * Runs the statement. Another order inserting the same invoice id or payment reference at the
 * same moment makes it fail on that unique key (its snapshot could not see the other row yet);
 * run again, it sees the row and scopes the id, so it is retried here at once rather than after
 * the activity's backoff.
 */
async function writeOrder(sql: Sql, orderId: string, payload: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await sql.rows<{ written: boolean }>(PROJECT_ORDER_SQL, orderId, payload);
      return rows[0]?.written === true;
    } catch (error) {
      if (attempt >= 3 || !isUniqueViolation(error)) throw error;
    }
  }
}

function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/**
 * Everything the statement writes, as one JSON parameter: the order row's fields under the
 * table's column names, the placeholder rows, and items, invoice, services and audit entries.
 * Dates are checked here (a bad one is a bad request, not a database error).
 */
function orderPayload(view: ProjectedView, entries: readonly TransitionEntry[]) {
  // A service order's line is its listing, not a catalog product (order_items.productId refers to
  // products): the order row keeps the listing and the total, and the API shows the line from them.
  const items = view.kind === 'service' ? [] : uniqueById(view.items);
  const itemIds = new Set(items.map((i) => i.id));
  for (const service of view.services) {
    if (!itemIds.has(service.orderItemId)) {
      throw badRequest(
        'projectOrder',
        `service ${service.id} names item ${service.orderItemId}, not an item of the order`,
      );
    }
  }
  const listingId = view.listingId || null;
  return {
    order: {
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
      totalCents: view.totalCents,
      currency: view.currency,
      activateAt: isoOrNull('activateAt', view.activateAt),
      expiresAt: isoOrNull('expiresAt', view.expiresAt),
      archived: view.archived,
      createdAt: date('createdAt', view.createdAt).toISOString(),
      updatedAt: date('updatedAt', view.updatedAt).toISOString(),
      projectionRevision: view.revision ?? 0,
    },
    listingId,
    // An ordered listing was online: without a row, one is made for the order's ISV. Without an
    // ISV no placeholder can be made and the order keeps no listing reference.
    listingPlaceholder: listingId !== null && Boolean(view.parties.isvId),
    parties: placeholderParties(view.parties),
    products: placeholderProducts(
      items,
      view.services.map((s) => s.productId),
      view.currency,
    ),
    items: items.map((item) => ({
      id: item.id,
      productId: item.productId,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
    })),
    invoice: view.invoice
      ? {
          id: view.invoice.id,
          status: view.invoice.status,
          amountCents: view.invoice.amountCents,
          currency: view.invoice.currency,
          dueAt: date('invoice.dueAt', view.invoice.dueAt).toISOString(),
          paidAt: isoOrNull('invoice.paidAt', view.invoice.paidAt),
          paidAmountCents: view.invoice.paidAmountCents ?? null,
          paymentReference: view.invoice.paymentReference ?? null,
        }
      : null,
    services: view.services.map((service) => ({
      id: service.id,
      itemId: service.orderItemId,
      productId: service.productId,
      status: service.status,
      externalAccountId: service.externalAccountId ?? null,
      lastError: service.lastError ?? null,
      // The view's lastError wins when it names one; otherwise a live service has none and any
      // other keeps the stored one.
      lastErrorSet: service.lastError !== undefined,
      attempts: service.attempts,
      live: isLive(service.status),
    })),
    audit: entries.map((e) => ({
      sequence: e.sequence,
      fromStatus: e.from,
      toStatus: e.to,
      action: e.action,
      actorRole: e.actor.role,
      actorId: e.actor.id,
      reason: auditReason(e),
      subject: e.subject ?? null,
      outcome: e.outcome,
      at: date('entry.at', e.at).toISOString(),
    })),
  };
}

function uniqueById<T extends { id: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.id) && (seen.add(row.id), true));
}

/**
 * Service ids are the provisioning idempotency key: one already used for another item (of
 * another order, usually) would share an account. The statement then fails on the services
 * primary key; this turns that into a clear, non-retryable error. Null for any other failure.
 */
async function serviceIdClash(prisma: PrismaClient, view: ProjectedView): Promise<Error | null> {
  if (view.services.length === 0) return null;
  const rows = await prisma.service
    .findMany({
      where: { id: { in: view.services.map((s) => s.id) } },
      select: { id: true, orderId: true, orderItemId: true },
    })
    .catch(() => []);
  for (const row of rows) {
    const service = view.services.find((s) => s.id === row.id)!;
    const ownItem = [service.orderItemId, scoped(view.orderId, service.orderItemId)];
    if (row.orderId !== view.orderId || !ownItem.includes(row.orderItemId)) {
      return badRequest('projectOrder', `service id ${row.id} already belongs to order ${row.orderId}`);
    }
  }
  return null;
}

const scoped = (orderId: string, id: string): string => `${orderId}:${id}`;

/** A checkout service is `active`, a sales order's product `activated`. */
const isLive = (status: string): boolean => status === 'active' || status === 'activated';

/**
 * audit_entries has no column for a refusal code, so it leads the reason:
 * "role_not_allowed: clients cannot retry".
 */
export function auditReason(e: TransitionEntry): string | null {
  const parts = [e.outcome === 'refused' ? e.refusal : undefined, e.reason].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return parts.length > 0 ? parts.join(': ') : null;
}

function validate(view: ProjectedView, entries: readonly TransitionEntry[]): void {
  if (view === null || typeof view !== 'object') throw badRequest('projectOrder', 'view must be an object');
  if (typeof view.orderId !== 'string' || view.orderId === '') {
    throw badRequest('projectOrder', 'view.orderId must be a non-empty string');
  }
  if (!KINDS.includes(view.kind)) {
    throw badRequest('projectOrder', `order ${view.orderId}: unknown kind "${String(view.kind)}"`);
  }
  if (view.revision !== undefined && !(Number.isInteger(view.revision) && view.revision >= 0)) {
    throw badRequest('projectOrder', `order ${view.orderId}: revision must be a non-negative integer`);
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

function isoOrNull(field: string, value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : date(field, value).toISOString();
}
