// API keys: `ok_` plus 43 random base64url characters (256 bits). Only the lowercase hex sha256 of
// a key is stored, so a database leak reveals no usable key; the key itself is shown once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../domain';
import type { PrismaClient } from '../../generated/prisma/client';

export const API_KEY_PREFIX = 'ok_';
/** Shape of the keys this module issues. */
export const API_KEY_PATTERN = /^ok_[A-Za-z0-9_-]{32,}$/;
/** What a presented key may look like (a bootstrap key is chosen by the operator): printable ASCII. */
const PRESENTED_KEY = /^[\x21-\x7e]{16,512}$/;

export interface Principal {
  readonly id: string;
  readonly role: Role;
  readonly subjectId: string | null;
  readonly label: string | null;
  readonly createdAt: Date;
}

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function toPrincipal(row: {
  id: string;
  role: string;
  subjectId: string | null;
  label: string | null;
  createdAt: Date;
}): Principal {
  return {
    id: row.id,
    role: row.role as Role,
    subjectId: row.subjectId,
    label: row.label,
    createdAt: row.createdAt,
  };
}

/** Creates a principal with a fresh key; the caller shows the key once and never stores it. */
export async function issueApiKey(
  prisma: PrismaClient,
  options: { role: Role; subjectId?: string | null; label?: string | null },
): Promise<{ key: string; principal: Principal }> {
  const key = generateApiKey();
  const row = await prisma.apiPrincipal.create({
    data: {
      keyHash: hashApiKey(key),
      role: options.role,
      subjectId: options.subjectId ?? null,
      label: options.label ?? null,
    },
  });
  return { key, principal: toPrincipal(row) };
}

/**
 * BOOTSTRAP_ADMIN_KEY: when no admin exists yet, makes this key an admin's, so a fresh install can
 * issue the other keys. Does nothing once any admin exists (the key is not re-added after rotation).
 */
export async function ensureBootstrapAdmin(
  prisma: PrismaClient,
  key: string,
): Promise<{ created: boolean; principal?: Principal }> {
  if (!PRESENTED_KEY.test(key)) {
    throw new Error('BOOTSTRAP_ADMIN_KEY must be 16 to 512 printable ASCII characters without spaces');
  }
  const existing = await prisma.apiPrincipal.findFirst({ where: { role: 'admin', revokedAt: null } });
  if (existing) return { created: false };
  const keyHash = hashApiKey(key);
  try {
    const row = await prisma.apiPrincipal.create({
      data: { keyHash, role: 'admin', label: 'bootstrap admin' },
    });
    return { created: true, principal: toPrincipal(row) };
  } catch (error) {
    // Another process bootstrapping at the same time stored the same key first.
    if ((error as { code?: string }).code === 'P2002') return { created: false };
    throw error;
  }
}

/** The live principal a presented key belongs to, or null. */
export async function findPrincipalByKey(prisma: PrismaClient, key: string): Promise<Principal | null> {
  if (!PRESENTED_KEY.test(key)) return null;
  const keyHash = hashApiKey(key);
  const row = await prisma.apiPrincipal.findUnique({ where: { keyHash } });
  if (!row || row.revokedAt !== null) return null;
  // The lookup is by hash already; compare again in constant time so no code path compares secrets
  // with an early-exit comparison.
  const stored = Buffer.from(row.keyHash, 'hex');
  const presented = Buffer.from(keyHash, 'hex');
  if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return null;
  return toPrincipal(row);
}
