// Request schemas: the API validates with them and the OpenAPI document is generated from them,
// so the documentation cannot drift from what is enforced.
import { z } from 'zod';
import { instant, roleSchema } from '../domain';
import { ORDER_KINDS } from '../workflows/contract';

/** Ids callers choose or see in URLs: short, printable, no separators that need escaping. */
export const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/,
    'must be 1-128 letters, digits or ._:@- (starting alphanumeric)',
  );

const text = (max: number) => z.string().trim().min(1).max(max);
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code');

export const createPrincipalBody = z.strictObject({
  role: roleSchema,
  subjectId: idSchema.optional(),
  name: text(200).optional(),
  email: z.email().max(320).optional(),
  label: text(200).optional(),
});

export const productType = z.enum(['hosting', 'other']);
export const billingCycle = z.enum(['monthly', 'quarterly', 'semiannually', 'annually', 'one_time']);

export const createProductBody = z.strictObject({
  id: idSchema.optional(),
  name: text(200),
  description: text(2000).optional(),
  type: productType,
  priceCents: z.number().int().min(0).max(1_000_000_000),
  currency: currency.default('USD'),
  billingCycle: billingCycle.default('one_time'),
  active: z.boolean().default(true),
});

export const settingsBody = z
  .strictObject({
    autoApprove: z.boolean(),
    invoiceDueDays: z.number().int().min(0).max(365),
    autoCancelOnExpiry: z.boolean(),
  })
  .partial()
  .refine((s) => Object.keys(s).length > 0, 'name at least one setting');

export const createListingBody = z.strictObject({
  /** Admins create listings on an ISV's behalf; an ISV's own key implies it. */
  isvId: idSchema.optional(),
  name: text(200),
  description: text(2000).optional(),
  priceCents: z.number().int().min(0).max(1_000_000_000).optional(),
  currency: currency.optional(),
});

const orderItem = z.strictObject({
  productId: idSchema,
  quantity: z.number().int().min(1).max(1000).default(1),
});
const items = z.array(orderItem).min(1).max(50);

export const checkoutOrderBody = z.strictObject({
  kind: z.literal('checkout'),
  clientId: idSchema.optional(),
  items,
});
export const serviceOrderBody = z.strictObject({
  kind: z.literal('service'),
  listingId: idSchema,
});
export const salesOrderBody = z.strictObject({
  kind: z.literal('sales'),
  customerId: idSchema,
  items,
  activateAt: instant.optional(),
  expiresAt: instant.optional(),
});
export const createOrderBody = z.discriminatedUnion('kind', [
  checkoutOrderBody,
  serviceOrderBody,
  salesOrderBody,
]);
export type CreateOrderBody = z.output<typeof createOrderBody>;

/** An action's fields; each action's own schema (domain/) checks them. */
export const actionBody = z.record(z.string(), z.unknown());

const booleanParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listOrdersQuery = z.strictObject({
  status: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'must be a status name')
    .optional(),
  kind: z.enum(ORDER_KINDS).optional(),
  clientId: idSchema.optional(),
  customerId: idSchema.optional(),
  from: instant.optional(),
  to: instant.optional(),
  /** false (default): archived orders are left out; true: included; only: nothing else. */
  archived: z.enum(['true', 'false', 'only']).default('false'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

export const listListingsQuery = z.strictObject({
  status: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'must be a status name')
    .optional(),
  isvId: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

export const listProductsQuery = z.strictObject({
  includeInactive: booleanParam.optional(),
});

export const idParams = z.strictObject({ id: idSchema });
