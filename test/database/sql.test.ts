// The activities' raw statements (database/sql.ts) run on the pg pool under the project's Prisma
// client: the same database and connections, pg's own types, and the client's $disconnect ends
// the pool.
import { randomUUID } from 'node:crypto';
import { createPrismaClient } from '../../database/prisma-client';
import { sqlOf, sqlState } from '../../database/sql';
import { testDatabaseUrl } from '../setup/database';

describe('sqlOf(createPrismaClient(url))', () => {
  it('runs statements that Prisma then sees, with timestamptz as Date and int4 as number', async () => {
    const prisma = createPrismaClient(testDatabaseUrl());
    const sql = sqlOf(prisma);
    const id = `sql-${randomUUID()}`;
    try {
      const changed = await sql.execute(
        `INSERT INTO products (id, name, type, "priceCents", "billingCycle") VALUES ($1, $2, 'other', $3, 'monthly')`,
        id,
        'Raw on the pool',
        250,
      );
      expect(changed).toBe(1);
      const [row] = await sql.rows<{ priceCents: unknown; createdAt: unknown }>(
        `SELECT "priceCents", "createdAt" FROM products WHERE id = $1`,
        id,
      );
      expect(row!.priceCents).toBe(250);
      expect(row!.createdAt).toBeInstanceOf(Date);
      await expect(prisma.product.findUnique({ where: { id } })).resolves.toMatchObject({
        name: 'Raw on the pool',
      });
      await prisma.product.delete({ where: { id } });
    } finally {
      await prisma.$disconnect();
    }
  });

  it('gives the SQLSTATE of a refused statement, from pg as from Prisma', async () => {
    const prisma = createPrismaClient(testDatabaseUrl());
    const duplicate = `INSERT INTO products (id, name, type, "priceCents", "billingCycle")
      VALUES ($1, 'x', 'other', 1, 'monthly'), ($1, 'x', 'other', 1, 'monthly')`;
    try {
      const fromPg = await sqlOf(prisma)
        .execute(duplicate, `sql-${randomUUID()}`)
        .catch((e: unknown) => e);
      const fromPrisma = await prisma
        .$executeRawUnsafe(duplicate, `sql-${randomUUID()}`)
        .catch((e: unknown) => e);
      expect(sqlState(fromPg)).toBe('23505');
      expect((fromPg as Error).message).toMatch(/^SQLSTATE 23505: duplicate key value/);
      expect(sqlState(fromPrisma)).toBe('23505');
      expect(sqlState(new Error('not from the database'))).toBeUndefined();
    } finally {
      await prisma.$disconnect();
    }
  });

  it('ends the pool with the client: a statement after $disconnect is refused', async () => {
    const prisma = createPrismaClient(testDatabaseUrl());
    const sql = sqlOf(prisma);
    await expect(sql.rows('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    await prisma.$disconnect();
    await expect(sql.rows('SELECT 1 AS one')).rejects.toThrow(/pool/i);
  });
});
