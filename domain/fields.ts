import { z } from 'zod';

/**
 * Field schemas shared by several actions. The API validates request bodies with the same schemas
 * (and renders them to OpenAPI), so a rule about input is written once.
 */

export const reasonText = z.string().trim().min(1, 'a reason is required').max(2000);

export const noFields = z.object({});
export const reasonFields = z.object({ reason: reasonText });
export const optionalReasonFields = z.object({ reason: reasonText.optional() });

/** Money is integer cents, like every amount in the database: no float rounding, no parsing. */
export const amountCents = z
  .number({ error: 'must be a number of cents' })
  .int('must be a whole number of cents')
  .positive('must be greater than zero')
  .max(Number.MAX_SAFE_INTEGER);

export const paymentFields = z.object({
  amountCents,
  reference: z.string().trim().min(1, 'a payment reference is required').max(200),
});

/** Dates in lifecycle facts may come as Date (database) or ISO string (JSON); both mean an instant. */
export type Instant = Date | string;

export function toTime(value: Instant, what: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`${what} is not a valid date: ${String(value)}`);
  return time;
}
