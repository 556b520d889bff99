// POST /orders: who may place which kind of order, and the workflow input each kind starts with.
// Everything that depends on the database (products, settings, the listing) is resolved before the
// idempotency key is reserved, so a refused request leaves nothing behind.
import { aOrAn, MAX_CENTS, type Actor } from '../../domain';
import type { PrismaClient } from '../../generated/prisma/client';
import {
  listingWorkflowId,
  type CheckoutOrderInput,
  type CheckoutSettings,
  type OrderItemInput,
  type SalesOrderInput,
  type ServiceOrderInput,
} from '../../workflows/contract';
import type { Principal } from '../auth/keys';
import type { ApiDeps } from '../deps';
import { conflict, forbidden, unprocessable } from '../problem';
import type { CreateOrderBody } from '../schemas';
import { queryStatus } from './live';

export interface PlannedOrder {
  readonly workflowType: 'checkoutOrder' | 'serviceOrder' | 'salesOrder';
  /** The workflow input for the order id the idempotency step chooses. */
  input(orderId: string): CheckoutOrderInput | ServiceOrderInput | SalesOrderInput;
}

export const DEFAULT_SETTINGS: CheckoutSettings = {
  autoApprove: false,
  invoiceDueDays: 7,
  autoCancelOnExpiry: true,
};

export async function readSettings(prisma: PrismaClient): Promise<CheckoutSettings> {
  const row = await prisma.settings.findUnique({ where: { id: 1 } });
  return row
    ? {
        autoApprove: row.autoApprove,
        invoiceDueDays: row.invoiceDueDays,
        autoCancelOnExpiry: row.autoCancelOnExpiry,
      }
    : DEFAULT_SETTINGS;
}

/** Catalog lines for the ordered products: each must exist and be active, in one currency. */
async function resolveItems(
  prisma: PrismaClient,
  items: readonly { productId: string; quantity: number }[],
): Promise<{ items: (orderId: string) => OrderItemInput[]; currency: string }> {
  const ids = [...new Set(items.map((i) => i.productId))];
  const products = await prisma.product.findMany({ where: { id: { in: ids }, active: true } });
  const byId = new Map(products.map((p) => [p.id, p]));
  const issues = items.flatMap((item, index) =>
    byId.has(item.productId)
      ? []
      : [{ path: `items.${index}.productId`, message: `no active product ${item.productId}` }],
  );
  if (issues.length > 0) {
    throw unprocessable(`unknown products: ${issues.map((i) => i.message).join('; ')}`, { issues });
  }
  const currencies = new Set(products.map((p) => p.currency));
  if (currencies.size > 1) {
    throw unprocessable(`the products are priced in several currencies (${[...currencies].join(', ')})`);
  }
  // The lines add up to the order total (also the invoice amount), an int4 column: an order whose
  // amounts could not be projected is refused here rather than started.
  const lines = items.map((item) => item.quantity * byId.get(item.productId)!.priceCents);
  const lineIssues = lines.flatMap((line, index) =>
    line > MAX_CENTS
      ? [{ path: `items.${index}.quantity`, message: `the line total exceeds ${MAX_CENTS} cents` }]
      : [],
  );
  if (lineIssues.length > 0) {
    throw unprocessable(`line totals above the limit of ${MAX_CENTS} cents`, { issues: lineIssues });
  }
  const total = lines.reduce((sum, line) => sum + line, 0);
  if (total > MAX_CENTS) {
    throw unprocessable(`the order total of ${total} cents exceeds the limit of ${MAX_CENTS} cents`, {
      issues: [{ path: 'items', message: `the order total exceeds ${MAX_CENTS} cents` }],
    });
  }
  return {
    currency: products[0]!.currency,
    items: (orderId) =>
      items.map((item, index) => {
        const product = byId.get(item.productId)!;
        return {
          id: `${orderId}-item-${index + 1}`,
          productId: product.id,
          productName: product.name,
          productType: product.type === 'hosting' ? 'hosting' : 'other',
          quantity: item.quantity,
          unitPriceCents: product.priceCents,
        };
      }),
  };
}

/**
 * A party an order names by id must be of the kind its role needs, when it exists: otherwise a
 * salesperson could name a client as a customer, and the client's address would get the
 * customer's emails. An id not yet known becomes a placeholder of the right kind, unless
 * `mustExist`: a sales order's customer is emailed for its approval, so it must be a known party.
 */
export async function requirePartyKind(
  prisma: PrismaClient,
  id: string,
  kind: 'client' | 'customer' | 'isv',
  path: string,
  { mustExist = false }: { mustExist?: boolean } = {},
): Promise<void> {
  const party = await prisma.party.findUnique({ where: { id }, select: { kind: true } });
  if (!party && mustExist) {
    throw unprocessable(`no ${kind} ${id}: create it first (POST /principals with role ${kind})`, {
      issues: [{ path, message: `no such ${kind}` }],
    });
  }
  if (party && party.kind !== kind) {
    throw unprocessable(`party ${id} is ${aOrAn(party.kind)}, not ${aOrAn(kind)}`, {
      issues: [{ path, message: `must name ${aOrAn(kind)}` }],
    });
  }
}

export async function planOrder(
  deps: ApiDeps,
  principal: Principal,
  actor: Actor,
  body: CreateOrderBody,
): Promise<PlannedOrder> {
  const provisioning = { taskQueue: deps.config.PROVISIONING_TASK_QUEUE };
  switch (body.kind) {
    case 'checkout': {
      let clientId: string;
      if (principal.role === 'client') {
        if (body.clientId !== undefined && body.clientId !== actor.id) {
          throw forbidden('a client places orders for itself only');
        }
        clientId = actor.id;
      } else if (principal.role === 'admin') {
        if (body.clientId === undefined) {
          throw unprocessable('clientId is required when an admin places a checkout order', {
            issues: [{ path: 'clientId', message: 'required' }],
          });
        }
        clientId = body.clientId;
        await requirePartyKind(deps.prisma, clientId, 'client', 'clientId');
      } else {
        throw forbidden(`${aOrAn(principal.role)} may not place checkout orders (clients and admins may)`);
      }
      const [{ items, currency }, settings] = await Promise.all([
        resolveItems(deps.prisma, body.items),
        readSettings(deps.prisma),
      ]);
      return {
        workflowType: 'checkoutOrder',
        input: (orderId) => ({
          orderId,
          clientId,
          items: items(orderId),
          currency,
          settings,
          createdBy: actor,
          invoiceId: `${orderId}-invoice`,
          provisioning,
        }),
      };
    }
    case 'service': {
      if (principal.role !== 'merchant') {
        throw forbidden(`${aOrAn(principal.role)} may not order ISV services (merchants may)`);
      }
      const listing = await queryStatus(deps.temporal, listingWorkflowId(body.listingId));
      if (!listing.found || !listing.view.parties.isvId) {
        throw unprocessable(`no service listing ${body.listingId}`, {
          issues: [{ path: 'listingId', message: 'no such listing' }],
        });
      }
      if (listing.view.status !== 'online') {
        throw conflict(
          `listing ${body.listingId} is ${listing.view.status}; only an online listing can be ordered`,
          {
            listingStatus: listing.view.status,
          },
        );
      }
      const isvId = listing.view.parties.isvId;
      // Name and price as the listing shows them now: the order keeps what the merchant ordered.
      const row = await deps.prisma.serviceListing.findUnique({
        where: { id: body.listingId },
        select: { name: true, priceCents: true, currency: true },
      });
      return {
        workflowType: 'serviceOrder',
        input: (orderId) => ({
          orderId,
          listingId: body.listingId,
          isvId,
          merchantId: actor.id,
          ...(row ? { listingName: row.name, currency: row.currency } : {}),
          ...(row?.priceCents != null ? { priceCents: row.priceCents } : {}),
          createdBy: actor,
        }),
      };
    }
    case 'sales': {
      if (principal.role !== 'salesperson') {
        throw forbidden(`${aOrAn(principal.role)} may not create sales orders (salespeople may)`);
      }
      await requirePartyKind(deps.prisma, body.customerId, 'customer', 'customerId', { mustExist: true });
      const { items, currency } = await resolveItems(deps.prisma, body.items);
      return {
        workflowType: 'salesOrder',
        input: (orderId) => ({
          orderId,
          salespersonId: actor.id,
          customerId: body.customerId,
          items: items(orderId),
          currency,
          activateAt: body.activateAt ? new Date(body.activateAt).toISOString() : null,
          expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : null,
          createdBy: actor,
          provisioning,
        }),
      };
    }
  }
}
