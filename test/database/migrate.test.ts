// The built-in migrator behaves like `prisma migrate deploy` and writes the rows Prisma writes.
// Each scenario runs in its own fresh Postgres schema (Prisma's `?schema=` URL parameter) of the
// run's database, so it starts empty in both the embedded and the server mode.
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'pg';
import { connectClient, MigrationError } from '../../prisma/apply-migrations';
import { migrate, MIGRATIONS_DIR } from '../../prisma/migrate';
import { findSchemaEngine } from '../../prisma/schema-engine';
import { testDatabaseUrl } from '../setup/database';

const schemas: string[] = [];
const dirs: string[] = [];

function freshSchemaUrl(): string {
  const schema = `migrate_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  schemas.push(schema);
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('schema', schema);
  return url.toString();
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

async function withClient<T>(url: string, use: (c: Client) => Promise<T>): Promise<T> {
  const c = await connectClient(url);
  try {
    return await use(c);
  } finally {
    await c.end();
  }
}

interface Row {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
  applied_steps_count: number;
}

const rowsOf = (url: string) =>
  withClient(
    url,
    async (c) =>
      (await c.query<Row>('SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name')).rows,
  );

const tableExists = (url: string, table: string) =>
  withClient(url, async (c) => (await c.query('SELECT to_regclass($1) AS t', [table])).rows[0].t !== null);

afterAll(async () => {
  await withClient(testDatabaseUrl(), async (c) => {
    for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('db:migrate (built-in step)', () => {
  const folders = readMigrationFolders();

  it('wrote one finished _prisma_migrations row per migration folder, checksum = sha256(migration.sql)', async () => {
    // the run's database was migrated by the jest global setup
    const rows = await rowsOf(testDatabaseUrl());
    expect(rows.map((r) => r.migration_name)).toEqual(folders.map((f) => f.name));
    for (const row of rows) {
      const folder = folders.find((f) => f.name === row.migration_name)!;
      expect(row.checksum).toBe(folder.sha256);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('creates the schema on an empty database and applies nothing the second time', async () => {
    const url = freshSchemaUrl();
    const first = await migrate(url, { tool: 'builtin' });
    expect(first).toMatchObject({
      tool: 'builtin',
      applied: folders.map((f) => f.name),
      checksumMismatches: [],
    });
    expect(await tableExists(url, 'orders')).toBe(true);
    const rowsAfterFirst = await rowsOf(url);

    const second = await migrate(url, { tool: 'builtin' });
    expect(second.applied).toEqual([]);
    expect(await rowsOf(url)).toEqual(rowsAfterFirst);
  });

  it('applies each migration once when two runs race (advisory lock)', async () => {
    const url = freshSchemaUrl();
    const [a, b] = await Promise.all([migrate(url, { tool: 'builtin' }), migrate(url, { tool: 'builtin' })]);
    expect([...a.applied, ...b.applied].sort()).toEqual(folders.map((f) => f.name));
    expect((await rowsOf(url)).map((r) => r.migration_name)).toEqual(folders.map((f) => f.name));
  });

  it('records a failed migration, rolls its statements back, and refuses to go on until it is resolved', async () => {
    const url = freshSchemaUrl();
    const dir = tempDir('migrations-');
    writeMigration(dir, '001_first', 'CREATE TABLE "first" ("id" TEXT NOT NULL PRIMARY KEY);\n');
    writeMigration(dir, '002_broken', 'CREATE TABLE "second" ("id" TEXT);\nSELECT * FROM "no_such_table";\n');
    writeMigration(dir, '003_third', 'CREATE TABLE "third" ("id" TEXT);\n');

    await expect(migrate(url, { migrationsDir: dir, tool: 'builtin' })).rejects.toThrow(/002_broken failed/);
    let rows = await rowsOf(url);
    expect(rows.map((r) => [r.migration_name, r.finished_at !== null, r.applied_steps_count])).toEqual([
      ['001_first', true, 1],
      ['002_broken', false, 0],
    ]);
    expect(rows[1]!.logs).toContain('no_such_table');
    expect(rows[1]!.rolled_back_at).toBeNull();
    // the whole file is one implicit transaction: its first statement was undone too
    expect(await tableExists(url, 'second')).toBe(false);

    // the failed row blocks every later run, with a message naming the migration
    const blocked = migrate(url, { migrationsDir: dir, tool: 'builtin' });
    await expect(blocked).rejects.toBeInstanceOf(MigrationError);
    await expect(migrate(url, { migrationsDir: dir, tool: 'builtin' })).rejects.toThrow(
      /"002_broken".*failed and blocks new migrations.*migrate resolve --rolled-back 002_broken/s,
    );
    expect(await tableExists(url, 'third')).toBe(false);

    // what `prisma migrate resolve --rolled-back 002_broken` does, then a fixed file applies
    await withClient(url, (c) =>
      c.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '002_broken'`),
    );
    writeMigration(dir, '002_broken', 'CREATE TABLE "second" ("id" TEXT);\n');
    const resumed = await migrate(url, { migrationsDir: dir, tool: 'builtin' });
    expect(resumed.applied).toEqual(['002_broken', '003_third']);
    rows = await rowsOf(url);
    expect(
      rows.filter((r) => r.migration_name === '002_broken').map((r) => r.rolled_back_at === null),
    ).toEqual([false, true]);
    expect(await tableExists(url, 'third')).toBe(true);
  });

  it('reports an applied migration whose file changed, and one missing locally', async () => {
    const url = freshSchemaUrl();
    const dir = tempDir('migrations-');
    writeMigration(dir, '001_first', 'CREATE TABLE "first" ("id" TEXT);\n');
    writeMigration(dir, '002_second', 'CREATE TABLE "second" ("id" TEXT);\n');
    await migrate(url, { migrationsDir: dir, tool: 'builtin' });

    writeMigration(dir, '001_first', 'CREATE TABLE "first" ("id" TEXT, "extra" TEXT);\n');
    rmSync(path.join(dir, '002_second'), { recursive: true });
    const warnings: string[] = [];
    const result = await migrate(url, { migrationsDir: dir, tool: 'builtin', log: (m) => warnings.push(m) });
    expect(result).toMatchObject({
      applied: [],
      checksumMismatches: ['001_first'],
      missingLocally: ['002_second'],
    });
    expect(warnings.join('\n')).toMatch(/001_first was modified after it was applied/);
  });

  it('refuses a migration folder without migration.sql and a lock file for another provider', async () => {
    const url = freshSchemaUrl();
    const dir = tempDir('migrations-');
    mkdirSync(path.join(dir, '001_empty'));
    await expect(migrate(url, { migrationsDir: dir, tool: 'builtin' })).rejects.toThrow(
      /001_empty has no migration.sql/,
    );

    const other = tempDir('migrations-');
    cpSync(MIGRATIONS_DIR, other, { recursive: true });
    writeFileSync(path.join(other, 'migration_lock.toml'), 'provider = "mysql"\n');
    await expect(migrate(url, { migrationsDir: other, tool: 'builtin' })).rejects.toThrow(
      /not for provider "postgresql"/,
    );
  });
});

describe('schema engine detection', () => {
  it('does not take `node` (what offline `prisma generate` is given) for the schema engine', () => {
    expect(findSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: process.execPath })).not.toBe(process.execPath);
  });

  it('takes PRISMA_SCHEMA_ENGINE_BINARY when it runs and answers as the schema engine', () => {
    const dir = tempDir('engine-');
    const fake = path.join(dir, 'schema-engine');
    writeFileSync(fake, '#!/bin/sh\necho "schema-engine-cli 0000000"\n', { mode: 0o755 });
    expect(findSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: fake })).toBe(fake);
  });

  it('hands over to `prisma migrate deploy` when an engine is found, and reports its failure', async () => {
    // A stand-in that answers --version like the engine but cannot serve the CLI: the CLI fails
    // and migrate() must say so rather than fall back silently.
    const dir = tempDir('engine-');
    const fake = path.join(dir, 'schema-engine');
    writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = "--version" ] && echo "schema-engine-cli 0000000" && exit 0\nexit 3\n',
      {
        mode: 0o755,
      },
    );
    const saved = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = fake;
    try {
      await expect(migrate(freshSchemaUrl(), { tool: 'prisma' })).rejects.toThrow(
        /prisma migrate deploy failed/,
      );
    } finally {
      if (saved === undefined) delete process.env.PRISMA_SCHEMA_ENGINE_BINARY;
      else process.env.PRISMA_SCHEMA_ENGINE_BINARY = saved;
    }
  });

  it('with tool "prisma" uses the installed engine, or refuses clearly when there is none', async () => {
    const url = freshSchemaUrl();
    if (findSchemaEngine()) {
      const result = await migrate(url, { tool: 'prisma' });
      expect(result).toMatchObject({ tool: 'prisma', applied: readMigrationFolders().map((f) => f.name) });
    } else {
      await expect(migrate(url, { tool: 'prisma' })).rejects.toThrow(/schema engine not found/);
    }
  });
});

function readMigrationFolders(): { name: string; sha256: string }[] {
  const lock = readFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8');
  expect(lock).toMatch(/provider = "postgresql"/);
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      name,
      sha256: createHash('sha256')
        .update(readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql')))
        .digest('hex'),
    }));
}
