// Jest global setup: one migrated database per jest worker for the whole run (see
// test-database.ts), so the files that run at the same time never see each other's writes while
// the files of one worker share one, one after the other. It runs in jest's main process, outside
// the test sandboxes, which is also where PGlite can load (inside a test's VM context its dynamic
// imports fail). worker-database.ts points each test file at its worker's database.
import type { Config } from 'jest';
import { createTestDatabase, type TestDatabase } from './test-database';

declare global {
  var __ordersTestDatabases: TestDatabase[] | undefined;
}

export default async function globalSetup(globalConfig: Config): Promise<void> {
  const serverUrl = process.env.DATABASE_URL || undefined;
  const count = Math.max(1, Number(globalConfig.maxWorkers) || 1);
  const databases: TestDatabase[] = [];
  globalThis.__ordersTestDatabases = databases;
  for (let n = 1; n <= count; n++) databases.push(await createTestDatabase(serverUrl, n));
  process.env.TEST_DATABASE_URLS = JSON.stringify(databases.map((db) => db.url));
  process.env.TEST_DATABASE_MODE = databases[0]!.mode;
}
