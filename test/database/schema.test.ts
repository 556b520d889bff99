// The migrated database matches prisma/schema.prisma: every model has its table, every scalar
// field its column with Prisma's type, nullability and default, every @id/@unique/@@unique/
// @@index its index, every relation its foreign key, and nothing else is there. Expectations
// come from Prisma's own reading of the schema (the DMMF), so hand-written SQL cannot drift.
import { Client } from 'pg';
import { connectClient } from '../../prisma/apply-migrations';
import { testDatabaseUrl } from '../setup/database';
import { readColumns, readForeignKeys, readIndexes, readTables } from './catalog';
import { expectedSchema } from './expected-schema';
import { loadDatamodel } from './prisma-dmmf';

const byKey = <T>(items: T[], key: (t: T) => string) =>
  [...items].sort((a, b) => key(a).localeCompare(key(b)));

describe('migrated database vs schema.prisma', () => {
  const expected = expectedSchema(loadDatamodel());
  let client: Client;

  beforeAll(async () => {
    client = await connectClient(testDatabaseUrl());
  });
  afterAll(async () => {
    await client.end();
  });

  it('reads a non-trivial datamodel from schema.prisma', () => {
    // guards against a vacuous pass if the DMMF came back empty
    expect(expected.tables).toEqual(expect.arrayContaining(['orders', 'audit_entries', 'email_log']));
    expect(expected.columns.length).toBeGreaterThan(expected.tables.length);
  });

  it('has exactly one table per model (plus _prisma_migrations)', async () => {
    expect(await readTables(client)).toEqual([...expected.tables, '_prisma_migrations'].sort());
  });

  it('has exactly the columns of the scalar fields, with their types, nullability and defaults', async () => {
    const key = (c: { table: string; column: string }) => `${c.table}.${c.column}`;
    const actual = (await readColumns(client))
      .filter((c) => c.table !== '_prisma_migrations')
      .map((c) => ({
        ...c,
        // Postgres spells an autoincrement default nextval('<sequence>'::regclass)
        default: c.default?.startsWith('nextval(') ? 'nextval(...)' : c.default,
      }));
    expect(byKey(actual, key)).toEqual(byKey(expected.columns, key));
  });

  it('has the primary keys, unique indexes and indexes of the schema, with Prisma’s names', async () => {
    const actual = (await readIndexes(client))
      .filter((i) => i.table !== '_prisma_migrations')
      .map((i) => ({
        table: i.table,
        name: i.name,
        columns: i.columns,
        kind: i.primary ? 'primary' : i.unique ? 'unique' : 'normal',
      }));
    const key = (i: { table: string; name: string }) => `${i.table}.${i.name}`;
    expect(byKey(actual, key)).toEqual(byKey(expected.indexes, key));
  });

  it('has a foreign key per relation with Prisma’s referential actions', async () => {
    const key = (f: { table: string; name: string }) => `${f.table}.${f.name}`;
    expect(byKey(await readForeignKeys(client), key)).toEqual(byKey(expected.foreignKeys, key));
  });
});
