import { z } from 'zod';

/**
 * Field schemas shared by several actions. The API validates request bodies with the same schemas
 * (and renders them to OpenAPI), so a rule about input is written once.
 */

// A NUL byte (Postgres text cannot store it) or a UTF-16 surrogate without its pair (no valid
// UTF-8 encoding exists for it): neither is text a person meant to send. Checked by `test` (no
// global flag, so lastIndex is never written: the domain is frozen inside workflows).
// eslint-disable-next-line no-control-regex -- the NUL byte is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function unstorableText(value: string): boolean {
  return UNSTORABLE.test(value);
}

/** Text a signal may carry into the projection: what Postgres can store (an API body is checked before). */
export const storableText = () =>
  z.string().refine((value) => !unstorableText(value), 'contains a NUL byte or an unpaired UTF-16 surrogate');

export const reasonText = storableText().trim().min(1, 'a reason is required').max(2000);

export const noFields = z.object({});
export const reasonFields = z.object({ reason: reasonText });
export const optionalReasonFields = z.object({ reason: reasonText.optional() });

/**
 * The largest amount of cents the database can hold. Every money column (prices, line prices,
 * order totals, invoice and paid amounts) is a Postgres int4 (prisma/schema.prisma `Int`): a larger
 * value would be refused by the projection on every retry and jam the order, so no input or
 * computed amount may exceed it.
 */
export const MAX_CENTS = 2_147_483_647;

/** Money is integer cents, like every amount in the database: no float rounding, no parsing. */
export const amountCents = z
  .number({ error: 'must be a number of cents' })
  .int('must be a whole number of cents')
  .positive('must be greater than zero')
  .max(MAX_CENTS, `must be at most ${MAX_CENTS} cents`);

export const paymentFields = z.object({
  amountCents,
  reference: storableText().trim().min(1, 'a payment reference is required').max(200),
});

/**
 * Instants the database and the API's ISO strings can both carry: years 0001 to 9999 in UTC.
 * Postgres refuses year 0 (22008) and toISOString() writes years past 9999 as +0YYYYY, so an
 * instant outside this range would be refused by the projection on every retry.
 */
export const MIN_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

export const isStorableTime = (ms: number): boolean => ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;

/**
 * z.iso.datetime({ offset: true })'s pattern, tested by the schema below rather than by zod: zod
 * resets a pattern's lastIndex before each test, which throws on the frozen domain the workflows
 * of a thread share (workflows/shared-libraries.ts). Held here, the RegExp is out of the freeze's
 * reach, and a test without the global flag never writes lastIndex.
 */
const isoDateTime = z.core.regexes.datetime({ precision: null, offset: true, local: false });

/** An ISO 8601 instant with Z or an offset, within years 0001-9999 once converted to UTC. */
export const instant = z
  .string()
  .check((payload) => {
    if (isoDateTime.test(payload.value)) return;
    // The issue z.iso.datetime raises, message ("Invalid ISO datetime") included; like zod's format
    // checks it lets the range check below run too.
    payload.issues.push({
      origin: 'string',
      code: 'invalid_format',
      format: 'datetime',
      input: payload.value,
      pattern: isoDateTime.toString(),
      continue: true,
    });
  })
  // A value that is no datetime at all already has its issue; this one is for the range only.
  .refine((value) => {
    const ms = Date.parse(value);
    return Number.isNaN(ms) || isStorableTime(ms);
  }, 'must be between years 0001 and 9999 (UTC)')
  // For the generated documentation (JSON Schema), which reads the format.
  .meta({ format: 'date-time' });

/** Dates in lifecycle facts may come as Date (database) or ISO string (JSON); both mean an instant. */
export type Instant = Date | string;

export function toTime(value: Instant, what: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`${what} is not a valid date: ${String(value)}`);
  return time;
}
