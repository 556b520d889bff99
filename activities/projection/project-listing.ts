// The ISV service listing workflow's view, projected into service_listings (the listing workflow
// calls projectOrder with kind `listing`; its id is the listing id).
//
// Like orders, a view older than the stored row (by updatedAt, then ledger revision) is skipped.
// The view carries no name or description: a new row is named after its id until the API (or a
// later contract field) sets them, and they are never overwritten here. Listing transitions have no
// audit table (audit entries belong to orders), so they stay in the workflow's history and `status`
// query.
import type { Prisma } from '../../generated/prisma/client';
import type { ProjectedView } from '../../workflows/contract';
import { badRequest } from '../errors';
import { ensureParties } from './placeholders';

type Tx = Prisma.TransactionClient;

/** Returns false when a newer view was already stored. */
export async function writeListing(
  tx: Tx,
  view: ProjectedView,
  updatedAt: Date,
  createdAt: Date,
): Promise<boolean> {
  const isvId = view.parties.isvId;
  if (!isvId) throw badRequest('projectOrder', `listing ${view.orderId}: parties.isvId is required`);
  await tx.$executeRaw`SELECT 1 FROM "service_listings" WHERE "id" = ${view.orderId} FOR UPDATE`;
  const existing = await tx.serviceListing.findUnique({
    where: { id: view.orderId },
    select: { updatedAt: true, projectionRevision: true },
  });
  const revision = view.revision ?? 0;
  if (existing && isNewer(existing, { updatedAt, revision })) return false;
  await ensureParties(tx, view.parties);
  const fields = {
    isvId,
    status: view.status,
    reason: view.statusReason ?? null,
    priceCents: view.totalCents,
    ...(view.currency ? { currency: view.currency } : {}),
    updatedAt,
    projectionRevision: revision,
  };
  await tx.serviceListing.upsert({
    where: { id: view.orderId },
    create: { id: view.orderId, name: view.orderId, createdAt, ...fields },
    // The row the API created carries the wall clock; the workflow's creation time replaces it, so
    // a listing and an order show times of one clock (the workflow's, which time skipping moves).
    update: { ...fields, createdAt },
  });
  return true;
}

/** Views of one workflow task share their updatedAt; the ledger revision orders them. */
function isNewer(
  stored: { updatedAt: Date; projectionRevision: number },
  view: { updatedAt: Date; revision: number },
): boolean {
  const stamp = stored.updatedAt.getTime() - view.updatedAt.getTime();
  return stamp > 0 || (stamp === 0 && stored.projectionRevision > view.revision);
}
