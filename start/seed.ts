// First-run data of `npm start`: a small demo catalog and the settings row (both only when
// missing, so an operator's changes are never overwritten), and demo parties with one API key per
// role. Keys are issued only on the first run and returned to be printed once: the database keeps
// their hashes only, so they cannot be shown again.
import type { PrismaClient } from '../database/prisma-client';
import type { Role } from '../domain';

export const DEMO_CATALOG = [
  {
    name: 'Shared Hosting Basic',
    description: '10 GB SSD, 1 website',
    type: 'hosting',
    priceCents: 499,
    billingCycle: 'monthly',
  },
  {
    name: 'Shared Hosting Pro',
    description: '50 GB SSD, unlimited websites',
    type: 'hosting',
    priceCents: 1299,
    billingCycle: 'monthly',
  },
  {
    name: 'VPS Small',
    description: '2 vCPU, 4 GB RAM',
    type: 'hosting',
    priceCents: 2400,
    billingCycle: 'monthly',
  },
  {
    name: 'Domain .com',
    description: 'One year registration',
    type: 'other',
    priceCents: 1200,
    billingCycle: 'annually',
  },
  {
    name: 'SSL certificate',
    description: 'Domain-validated',
    type: 'other',
    priceCents: 4900,
    billingCycle: 'annually',
  },
  {
    name: 'Migration service',
    description: 'We move your site',
    type: 'other',
    priceCents: 9900,
    billingCycle: 'one_time',
  },
] as const;

/** The roles a demo key is printed for, in print order. */
export const DEMO_ROLES: readonly Role[] = [
  'admin',
  'client',
  'isv',
  'merchant',
  'salesperson',
  'customer',
  'system',
];

/** Roles that act as a party (admin and system keys have no subject). */
const PARTY_ROLES = new Set<Role>(['client', 'isv', 'merchant', 'salesperson', 'customer']);

/** Demo principals carry this label prefix; their presence marks "not the first run". */
export const DEMO_LABEL_PREFIX = 'demo:';

export interface DemoKey {
  role: Role;
  key: string;
  subjectId: string | null;
}

export type IssueApiKey = (
  prisma: PrismaClient,
  input: { role: Role; subjectId: string | null; label: string },
) => Promise<{ key: string }>;

/** Inserts the demo catalog when the catalog is empty; returns how many products it added. */
export async function seedCatalog(prisma: PrismaClient): Promise<number> {
  if ((await prisma.product.count()) > 0) return 0;
  const { count } = await prisma.product.createMany({ data: DEMO_CATALOG.map((p) => ({ ...p })) });
  return count;
}

/** The single settings row (the first migration inserts it; this covers a database without it). */
export async function seedSettings(prisma: PrismaClient): Promise<void> {
  await prisma.settings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
}

/**
 * On the first run (no demo principal yet): one demo party per party role and a key for every
 * role. Returns the keys, or undefined when they were issued on an earlier run.
 */
export async function seedDemoPrincipals(
  prisma: PrismaClient,
  issueApiKey: IssueApiKey,
): Promise<DemoKey[] | undefined> {
  const existing = await prisma.apiPrincipal.count({ where: { label: { startsWith: DEMO_LABEL_PREFIX } } });
  if (existing > 0) return undefined;
  const keys: DemoKey[] = [];
  for (const role of DEMO_ROLES) {
    let subjectId: string | null = null;
    if (PARTY_ROLES.has(role)) {
      const party = await prisma.party.create({
        data: { kind: role, name: `Demo ${role}`, email: `demo-${role}@example.com` },
      });
      subjectId = party.id;
    }
    const { key } = await issueApiKey(prisma, { role, subjectId, label: `${DEMO_LABEL_PREFIX}${role}` });
    keys.push({ role, key, subjectId });
  }
  return keys;
}
