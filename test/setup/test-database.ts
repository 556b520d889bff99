// The database a jest run uses, created once by the global setup and removed by the teardown:
// - with DATABASE_URL: a fresh throwaway database on that server (orders_test_<pid>_<time>),
//   dropped afterwards, so runs never see each other's data;
// - without: the embedded Postgres in a temporary folder, deleted afterwards.
// Either way it is migrated before any test starts.
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function createTestDatabase(serverUrl: string | undefined): Promise<TestDatabase> {
  const db = serverUrl ? await createThrowawayDatabase(serverUrl) : await createEmbeddedDatabase();
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

async function createThrowawayDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `orders_test_${process.pid}_${Date.now()}`;
  await withClient(serverUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^orders_test_[0-9]+_[0-9]+$'`,
    );
    for (const { datname } of rows) {
      const createdAt = Number(datname.split('_').pop());
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

async function withClient<T>(url: string, use: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
