// Idempotency-Key on POST /orders and the actions: the first request with a key reserves it (a row
// unique per caller and key, holding the hash of method, path and body); a retry of the same
// request gets the first answer, and the same key with any other request (another body, another
// action, an action after it placed an order) is refused with 422. The row is inserted before
// anything happens, so of concurrent requests with one key exactly one goes first.
import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { badRequest, unprocessable } from './problem';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The Idempotency-Key header, checked; undefined when absent. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) {
    throw badRequest('Idempotency-Key must be 1-255 printable ASCII characters without spaces');
  }
  return raw;
}

/** Canonical JSON (sorted keys), so the same body written in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest('hex');
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/** The stored row for a key, refused with 422 when it was used with another request. */
async function storedKey(
  prisma: PrismaClient,
  { principalId, key, hash }: { principalId: string; key: string; hash: string },
) {
  const existing = await prisma.idempotencyKey.findUnique({
    where: { key_principalId: { key, principalId } },
  });
  if (existing && existing.requestHash !== hash) {
    throw unprocessable('this Idempotency-Key was used with a different request', {
      idempotencyKey: key,
    });
  }
  return existing;
}

const storedAnswer = (row: { responseStatus: number | null; responseBody: unknown }) =>
  row.responseStatus === null ? undefined : { status: row.responseStatus, body: row.responseBody };

/**
 * Runs `create(orderId, prepared)` at most once per (principal, key) as far as the order goes:
 * every request with the key uses the same order id, and `create` must be idempotent for that id
 * (it starts the workflow `order-<id>` once). The first complete answer is stored and replayed.
 *
 * `prepare` (checks against the catalog, the listing, ...) runs only for a new or unfinished key,
 * and before a new key is reserved: a completed request is replayed even if those checks would
 * now refuse it (a product deactivated since), and a refused one leaves no key behind.
 */
export async function withIdempotency<P>(
  prisma: PrismaClient,
  scope: { principalId: string; key: string | undefined; hash: string },
  prepare: () => Promise<P>,
  create: (orderId: string, prepared: P) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  const { principalId, key, hash } = scope;
  if (key === undefined) return create(randomUUID(), await prepare());
  const known = await storedKey(prisma, { principalId, key, hash });
  const replay = known && storedAnswer(known);
  if (replay) return replay;
  const prepared = await prepare();
  // The first request is still running (or failed half-way): finish the same order.
  let orderId: string = known?.orderId ?? randomUUID();
  if (!known) {
    try {
      await prisma.idempotencyKey.create({ data: { key, principalId, requestHash: hash, orderId } });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent request with the same key reserved it first.
      const existing = await storedKey(prisma, { principalId, key, hash });
      if (!existing) throw error;
      const answer = storedAnswer(existing);
      if (answer) return answer;
      orderId = existing.orderId ?? orderId;
    }
  }
  const response = await create(orderId, prepared);
  // A 202 (the workflow had not answered yet) is not final: a retry should get the order itself.
  if (response.status === 200 || response.status === 201) {
    await prisma.idempotencyKey.updateMany({
      where: { key, principalId, responseStatus: null },
      data: { responseStatus: response.status, responseBody: response.body as Prisma.InputJsonValue },
    });
  }
  return response;
}

/**
 * Reserves a key for an action on `targetId` (an order or listing id): 'first' when this request
 * inserted the row, 'again' when the same request (same hash) holds it already, 422 when another
 * request does.
 */
export async function reserveActionKey(
  prisma: PrismaClient,
  scope: { principalId: string; key: string; hash: string; targetId: string },
): Promise<'first' | 'again'> {
  const { principalId, key, hash, targetId } = scope;
  const known = await storedKey(prisma, { principalId, key, hash });
  if (known) return 'again';
  try {
    await prisma.idempotencyKey.create({ data: { key, principalId, requestHash: hash, orderId: targetId } });
    return 'first';
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // A concurrent request with the same key inserted it first.
    const existing = await storedKey(prisma, { principalId, key, hash });
    if (!existing) throw error;
    return 'again';
  }
}
