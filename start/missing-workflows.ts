// At start: open orders and listings the projection shows whose workflow the Temporal server does
// not run (its state was lost, e.g. an older in-memory embedded server). Said once, with a count:
// they stay visible, and their actions answer 409 workflow_missing (api/orders/actions.ts).
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PrismaClient } from '../generated/prisma/client';
import { lifecycleOf } from '../api/orders/order-model';
import { listingWorkflowId, ORDER_KINDS, orderWorkflowId, type OrderView } from '../workflows/contract';

export interface MissingWorkflows {
  orders: string[];
  listings: string[];
}

/** Ids of open (non-terminal) projected orders and listings with no running workflow. */
export async function findMissingWorkflows(
  prisma: PrismaClient,
  temporal: Client,
): Promise<MissingWorkflows> {
  const running = new Set<string>();
  for await (const execution of temporal.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    running.add(execution.workflowId);
  }
  // Only open rows are read: a long-lived projection is mostly closed orders.
  const notTerminal = (kind: OrderView['kind']) => ({ notIn: [...lifecycleOf(kind).terminal] });
  const orders = await prisma.order.findMany({
    select: { id: true },
    where: { OR: ORDER_KINDS.map((kind) => ({ kind, status: notTerminal(kind) })) },
  });
  const listings = await prisma.serviceListing.findMany({
    select: { id: true },
    where: { status: notTerminal('listing') },
  });
  return {
    orders: orders.filter((o) => !running.has(orderWorkflowId(o.id))).map((o) => o.id),
    listings: listings.filter((l) => !running.has(listingWorkflowId(l.id))).map((l) => l.id),
  };
}

/** Logs one warning with the counts (and a few ids) when any are missing. */
export async function reportMissingWorkflows(
  prisma: PrismaClient,
  temporal: Client,
  log: Logger,
): Promise<MissingWorkflows> {
  const missing = await findMissingWorkflows(prisma, temporal);
  const count = missing.orders.length + missing.listings.length;
  if (count > 0) {
    log.warn(
      {
        orders: missing.orders.length,
        listings: missing.listings.length,
        examples: [...missing.orders, ...missing.listings].slice(0, 5),
      },
      `${count} open order(s)/listing(s) have no workflow on the Temporal server (their state was lost): ` +
        'they are shown as last stored, and their actions answer 409 workflow_missing',
    );
  }
  return missing;
}
