// Several Prisma clients on the run's database at once (in embedded mode they share one PGlite
// session through the session gate, taking turns), including interactive transactions.
import { randomUUID } from 'node:crypto';
import { createPrismaClient } from '../../database/prisma-client';
import { testDatabaseUrl, testPrisma } from '../setup/database';

describe('concurrent clients', () => {
  const clients = [1, 2, 3].map(() => createPrismaClient(testDatabaseUrl()));
  afterAll(() => Promise.all(clients.map((c) => c.$disconnect())));

  it('interleave queries and transactions without mixing them up', async () => {
    const tag = randomUUID();
    await Promise.all(
      clients.flatMap((prisma, i) => [
        prisma.$transaction(async (tx) => {
          for (const n of [1, 2, 3]) {
            await tx.party.create({
              data: { kind: 'customer', name: `${tag}-${i}-${n}`, email: `${i}-${n}@example.test` },
            });
          }
        }),
        prisma.party.count(),
        prisma
          .$transaction(async (tx) => {
            await tx.party.create({
              data: { kind: 'customer', name: `${tag}-${i}-rollback`, email: 'x@example.test' },
            });
            throw new Error('rolled back on purpose');
          })
          .catch((e: Error) => e.message),
      ]),
    );
    const names = await testPrisma().party.findMany({
      where: { name: { startsWith: tag } },
      select: { name: true },
    });
    expect(names.map((p) => p.name).sort()).toEqual(
      [0, 1, 2].flatMap((i) => [1, 2, 3].map((n) => `${tag}-${i}-${n}`)).sort(),
    );
  });
});
