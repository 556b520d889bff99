// Jest global teardown: stops the embedded Postgres or drops the run's throwaway database.
export default async function globalTeardown(): Promise<void> {
  const db = globalThis.__ordersTestDatabase;
  globalThis.__ordersTestDatabase = undefined;
  await db?.dispose();
}
