// The database a jest run uses, created once by the global setup and removed by the teardown:
// - with DATABASE_URL: a fresh throwaway database on that server (orders_test_<pid>_<time>_<n>),
//   dropped afterwards, so runs never see each other's data;
// - without: the embedded Postgres in a temporary folder (a copy of an initialised template),
//   deleted afterwards.
// Either way it is migrated before any test starts.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../database/embedded-postgres';
import { migrate } from '../../prisma/migrate';

export interface TestDatabase {
  url: string;
  mode: 'server' | 'embedded';
  dispose(): Promise<void>;
}

export async function createTestDatabase(serverUrl: string | undefined, n = 1): Promise<TestDatabase> {
  const db = serverUrl ? await createThrowawayDatabase(serverUrl, n) : await createEmbeddedDatabase();
  try {
    await migrate(db.url);
  } catch (error) {
    await db.dispose();
    throw error;
  }
  return db;
}

// Throwaway databases older than this are left over from runs that were killed before their
// teardown; the next run drops them.
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

async function createThrowawayDatabase(serverUrl: string, n: number): Promise<TestDatabase> {
  const name = `orders_test_${process.pid}_${Date.now()}_${n}`;
  await withClient(serverUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^orders_test_[0-9]+_[0-9]+(_[0-9]+)?$'`,
    );
    for (const { datname } of rows) {
      const createdAt = Number(datname.split('_')[3]);
      if (Date.now() - createdAt > STALE_AFTER_MS)
        await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    mode: 'server',
    dispose: () =>
      withClient(serverUrl, async (c) => {
        // FORCE (PostgreSQL 13+) ends sessions a test may have leaked.
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}

async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orders-test-pg-'));
  try {
    cpSync(await pgliteTemplate(), dir, { recursive: true });
    const pg = await startEmbeddedPostgres(dir);
    return {
      url: pg.url,
      mode: 'embedded',
      dispose: async () => {
        await pg.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * An empty PGlite data folder (initdb done, nothing migrated), made once per PGlite version and
 * copied for each run: initdb in WebAssembly takes about ten seconds, a copy well under one.
 */
async function pgliteTemplate(): Promise<string> {
  const manifest = readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'));
  const key = createHash('sha256').update(manifest).digest('hex').slice(0, 16);
  const cache = path.join(ROOT, 'node_modules', '.cache', 'orders-test-pglite');
  const template = path.join(cache, key);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  mkdirSync(cache, { recursive: true });
  // Made aside and renamed into place, so a concurrent run never copies half a folder.
  const building = mkdtempSync(path.join(cache, 'building-'));
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(building);
    await db.close();
    renameSync(building, template);
  } catch (error) {
    // Another run may have put its template in place first; then use that one.
    if (!existsSync(path.join(template, 'PG_VERSION'))) throw error;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

async function withClient<T>(url: string, use: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
