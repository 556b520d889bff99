// A `?schema=` connection string: the project's Prisma client runs raw statements (unqualified
// table names, as the projection, the email claim and the panel write them) in that schema, like
// its model queries and the migrations. The run's database has the same tables in `public`, so a
// statement sent there would not fail but land in the wrong tables: the test checks both schemas.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createPrismaClient, searchPathStatement } from '../../database/prisma-client';
import { sqlOf } from '../../database/sql';
import { migrate } from '../../prisma/migrate';
import { testDatabaseUrl } from '../setup/database';

const schemas: string[] = [];

function schemaUrl(schema: string): string {
  schemas.push(schema);
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', schema);
  return url.toString();
}

async function withClient<T>(use: (c: Client) => Promise<T>): Promise<T> {
  // Opened only while no Prisma client is connected: the embedded server serves one session at a time.
  const c = new Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

afterAll(async () => {
  await withClient(async (c) => {
    for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${quote(schema)} CASCADE`);
  });
});

describe('createPrismaClient with ?schema=', () => {
  it('runs raw statements in the schema, not in public, even for a name that needs quoting', async () => {
    // Upper case and a space must survive as part of the identifier. (Not a double quote: Prisma
    // does not escape one in the schema name of its own queries.)
    const schema = `Schema Url ${randomUUID().slice(0, 8)}`;
    const url = schemaUrl(schema);
    await migrate(url, { tool: 'builtin' });

    const id = randomUUID();
    const prisma = createPrismaClient(url);
    try {
      await expect(prisma.$queryRawUnsafe('SELECT current_schema() AS current')).resolves.toEqual([
        { current: schema },
      ]);
      const inserted = await prisma.$executeRawUnsafe(
        `INSERT INTO products (id, name, type, "priceCents", "billingCycle") VALUES ($1, 'Raw', 'other', 100, 'monthly')`,
        id,
      );
      expect(inserted).toBe(1);
      // The model query (qualified by Prisma itself) sees the row the raw statement wrote.
      await expect(prisma.product.findUnique({ where: { id } })).resolves.toMatchObject({ name: 'Raw' });
      // The activities' statements on the client's pool (database/sql.ts) too.
      await expect(sqlOf(prisma).rows('SELECT name FROM products WHERE id = $1', id)).resolves.toEqual([
        { name: 'Raw' },
      ]);
      // In an interactive transaction too (a connection of the same pool).
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE products SET name = 'Raw in tx' WHERE id = $1`, id);
      });
    } finally {
      await prisma.$disconnect();
    }

    const counts = await withClient(async (c) => ({
      schema: (await c.query(`SELECT name FROM ${quote(schema)}.products WHERE id = $1`, [id])).rows,
      public: (await c.query(`SELECT name FROM public.products WHERE id = $1`, [id])).rows,
    }));
    expect(counts).toEqual({ schema: [{ name: 'Raw in tx' }], public: [] });
  });

  it('a raw statement fails when the schema lacks the table instead of falling back to public', async () => {
    // The run's database has `products` in public; this schema has nothing.
    const prisma = createPrismaClient(schemaUrl(`empty_${randomUUID().slice(0, 8)}`));
    try {
      await expect(prisma.$queryRawUnsafe('SELECT count(*) FROM products')).rejects.toThrow(/products/);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('quotes the schema as one identifier', () => {
    expect(searchPathStatement('a"b, public')).toBe('SET search_path TO "a""b, public"');
  });
});
