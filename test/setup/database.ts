// What tests use to reach the run's database (created by global-setup.ts):
//   import { testPrisma } from '../setup/database';
//   const prisma = testPrisma(); // one client per test file, disconnected after the file's tests
// The database is shared by the test files of a jest worker, one file after the other (each worker
// has its own): create your own rows (fresh ids), do not assume empty tables.
import { createPrismaClient, type PrismaClient } from '../../database/prisma-client';

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (test/setup/global-setup.ts)');
  return url;
}

/** 'embedded' (PGlite started by the global setup) or 'server' (a throwaway database on DATABASE_URL's server). */
export function testDatabaseMode(): 'embedded' | 'server' {
  return process.env.TEST_DATABASE_MODE === 'server' ? 'server' : 'embedded';
}

let client: PrismaClient | undefined;

export function testPrisma(): PrismaClient {
  client ??= createPrismaClient(testDatabaseUrl());
  return client;
}

// Jest gives each test file its own copy of this module, so this runs once per file.
if (typeof afterAll === 'function') {
  afterAll(async () => {
    const c = client;
    client = undefined;
    await c?.$disconnect();
  });
}
