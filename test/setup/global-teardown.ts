// Jest global teardown: stops the embedded Postgres instances or drops the run's throwaway databases.
export default async function globalTeardown(): Promise<void> {
  const databases = globalThis.__ordersTestDatabases ?? [];
  globalThis.__ordersTestDatabases = undefined;
  for (const db of databases) await db.dispose();
}
