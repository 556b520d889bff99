// What the API answers, as zod schemas: the handlers' output functions are typed by them (so the
// compiler holds the two together) and /openapi.json describes every response from them.
// `meta({ id })` names an OpenAPI component.
import { z } from 'zod';
import { roleSchema } from '../domain';

const isoTime = z.iso.datetime({ offset: true });

export const partiesSchema = z
  .object({
    clientId: z.string().optional(),
    isvId: z.string().optional(),
    merchantId: z.string().optional(),
    salespersonId: z.string().optional(),
    customerId: z.string().optional(),
  })
  .meta({ id: 'Parties', description: 'The parties to the order, by role' });

export const historyEntrySchema = z
  .object({
    sequence: z.number().int(),
    action: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    actor: z.object({ role: z.string(), id: z.string().nullable() }),
    outcome: z.string().meta({ description: '`accepted` or `refused`' }),
    reason: z.string().nullable().meta({ description: 'the refusal code, then the reason given' }),
    service: z.string().nullable().meta({
      description: "a checkout service's id when the entry is that service's step (from/to are its statuses)",
    }),
    at: isoTime,
  })
  .meta({ id: 'HistoryEntry', description: 'One line of the audit trail, accepted or refused' });

export const orderItemSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    productName: z.string().nullable(),
    productType: z.string(),
    quantity: z.number().int(),
    unitPriceCents: z.number().int(),
  })
  .meta({ id: 'OrderItem' });

export const invoiceSchema = z
  .object({
    id: z.string(),
    status: z.enum(['unpaid', 'paid', 'cancelled']),
    amountCents: z.number().int(),
    currency: z.string(),
    dueAt: isoTime,
    overdue: z.boolean(),
    paidAt: isoTime.optional(),
    paidAmountCents: z.number().int().optional(),
    paymentReference: z.string().optional(),
  })
  .meta({ id: 'Invoice', description: "A checkout's invoice, created with the order" });

export const serviceSchema = z
  .object({
    id: z.string(),
    orderItemId: z.string(),
    productId: z.string(),
    status: z.string(),
    externalAccountId: z.string().nullable().meta({ description: 'the account CreateAccount opened' }),
    error: z.string().nullable(),
    attempts: z.number().int(),
  })
  .meta({ id: 'Service', description: 'A provisioned service of a checkout (one per hosting item)' });

const orderFields = {
  id: z.string(),
  kind: z.string().meta({ description: '`checkout`, `service` or `sales`' }),
  status: z.string(),
  statusReason: z.string().nullable(),
  parties: partiesSchema,
  listingId: z.string().nullable(),
  totalCents: z.number().int(),
  currency: z.string(),
  activateAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  archived: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
};

export const projectionFailureSchema = z
  .object({
    status: z.literal('failed'),
    detail: z.string(),
    failedAt: isoTime,
    revision: z.number().int(),
    attempts: z.number().int(),
    error: z.string().optional().meta({ description: 'the storage error (admin and system keys only)' }),
  })
  .meta({
    id: 'ProjectionFailure',
    description: "Present when the order's latest state could not be stored for listing (lists may lag)",
  });

export const orderSchema = z
  .object({
    ...orderFields,
    previousStatus: z.string().nullable(),
    approvalRoute: z.string().nullable(),
    items: z.array(orderItemSchema),
    invoice: invoiceSchema.nullable(),
    services: z.array(serviceSchema),
    history: z.array(historyEntrySchema),
    allowedActions: z.array(z.string()).meta({ description: 'what the caller may do now' }),
    projection: projectionFailureSchema.optional(),
    workflow: z
      .object({ status: z.literal('missing'), detail: z.string() })
      .optional()
      .meta({
        description:
          "Present when the order's workflow is missing on the Temporal server: shown as last stored, no action possible",
      }),
  })
  .meta({
    id: 'Order',
    description: 'An order as its workflow (or, when it is closed, the projection) shows it',
  });

export const orderSummarySchema = z.object(orderFields).meta({ id: 'OrderSummary' });

export const actionResultSchema = z
  .object({
    ...orderSchema.shape,
    request: z.object({
      id: z.string(),
      action: z.string(),
      outcome: z.enum(['applied', 'duplicate', 'pending']).meta({
        description:
          'applied: recorded by the workflow; duplicate: a retry of a request handled before; pending: signalled, not yet recorded',
      }),
    }),
  })
  .meta({ id: 'ActionResult', description: 'The order after the action, and what became of the request' });

export const listingSchema = z
  .object({
    id: z.string(),
    isvId: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    priceCents: z.number().int().nullable(),
    currency: z.string(),
    status: z.string(),
    reason: z.string().nullable(),
    allowedActions: z.array(z.string()),
    history: z.array(historyEntrySchema).optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Listing', description: "An ISV's service listing" });

export const listingActionResultSchema = z
  .object({ ...listingSchema.shape, request: actionResultSchema.shape.request })
  .meta({ id: 'ListingActionResult' });

export const productSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.string(),
    priceCents: z.number().int(),
    currency: z.string(),
    billingCycle: z.string(),
    active: z.boolean(),
    createdAt: isoTime,
  })
  .meta({ id: 'Product' });

export const settingsSchema = z
  .object({ autoApprove: z.boolean(), invoiceDueDays: z.number().int(), autoCancelOnExpiry: z.boolean() })
  .meta({ id: 'Settings', description: 'Checkout settings; each new order takes a snapshot' });

export const issuedKeySchema = z
  .object({
    key: z.string().meta({ description: 'shown this once; only its hash is stored' }),
    principal: z.object({
      id: z.string(),
      role: roleSchema,
      subjectId: z.string().nullable(),
      label: z.string().nullable(),
      createdAt: isoTime,
    }),
  })
  .meta({ id: 'IssuedKey' });

export const liveSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Live' });
export const readySchema = z
  .object({
    status: z.enum(['ok', 'degraded']).meta({ description: 'degraded: some orders could not be projected' }),
    checks: z.object({ database: z.object({ ok: z.boolean() }), temporal: z.object({ ok: z.boolean() }) }),
    projection: z.object({ ok: z.boolean(), failedOrders: z.number().int() }).optional(),
  })
  .meta({ id: 'Ready' });

/** A cursor page: `nextCursor` is null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
export const orderPageSchema = pageOf(orderSummarySchema, 'OrderPage');
export const listingPageSchema = pageOf(listingSchema, 'ListingPage');
export const productListSchema = z.object({ data: z.array(productSchema) }).meta({ id: 'ProductList' });

export type OrderResource = z.infer<typeof orderSchema>;
export type ProjectionFailure = z.infer<typeof projectionFailureSchema>;
export type OrderSummary = z.infer<typeof orderSummarySchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type ListingResource = z.infer<typeof listingSchema>;
export type ProductResource = z.infer<typeof productSchema>;
export type IssuedKey = z.infer<typeof issuedKeySchema>;
