// Jest global setup: one migrated database for the whole run (see test-database.ts). It runs in
// jest's main process, outside the test sandboxes, which is also where PGlite can load (inside a
// test's VM context its dynamic imports fail). Tests reach the database through
// TEST_DATABASE_URL; DATABASE_URL is pointed at it too, so code under test that reads the
// configuration uses the same throwaway database.
import { createTestDatabase, type TestDatabase } from './test-database';

declare global {
  var __ordersTestDatabase: TestDatabase | undefined;
}

export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL || undefined;
  const db = await createTestDatabase(serverUrl);
  globalThis.__ordersTestDatabase = db;
  process.env.TEST_DATABASE_URL = db.url;
  process.env.TEST_DATABASE_MODE = db.mode;
  process.env.DATABASE_URL = db.url;
}
