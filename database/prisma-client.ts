// The one way the application builds a Prisma client: the `prisma-client` generator's output
// over @prisma/adapter-pg, for a real server and the embedded one alike.
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolConfig } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { isEmbeddedUrl } from './embedded-postgres';
import { registerPool } from './sql';

export { PrismaClient };

/**
 * The embedded server runs one session at a time (see session-gate.ts): use a single connection
 * and hand it back soon after it goes idle, so other clients (another process, a jest worker)
 * get their turn. A real server gets pg's normal pool.
 */
const EMBEDDED_POOL = { max: 1, idleTimeoutMillis: 100 };

/**
 * A Prisma client for url. A `schema` parameter (Prisma's URL convention) selects the Postgres
 * schema the tables live in: Prisma qualifies its model queries with it, and every pooled
 * connection gets it as its search_path, so raw statements (unqualified table names) reach the
 * same tables as the migrations, which also SET search_path.
 */
export function createPrismaClient(url: string): PrismaClient {
  if (!url) throw new Error('createPrismaClient: a connection string is required');
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') || undefined;
  parsed.searchParams.delete('schema');
  const poolConfig: PoolConfig = {
    connectionString: parsed.toString(),
    ...(isEmbeddedUrl(url) ? EMBEDDED_POOL : {}),
    // A SET when the pool opens a connection rather than a startup `options` parameter: the
    // embedded server (PGlite behind pglite-socket) ignores startup options. pg-pool awaits the
    // hook before handing the connection out, and discards the connection if it fails.
    ...(schema ? { onConnect: (client) => client.query(searchPathStatement(schema)) } : {}),
  };
  // Our own pool, handed to the adapter: the activities' hot raw statements run on it directly
  // (database/sql.ts), sharing its connections, and $disconnect still ends it.
  const pool = new Pool(poolConfig);
  const adapter = new PrismaPg(pool, { ...(schema ? { schema } : {}), disposeExternalPool: true });
  const prisma = new PrismaClient({
    adapter,
    // Errors as plain messages, what Prisma already does with NODE_ENV=production (the Docker
    // image), now for every run (`npm start`, the tests, the bench): the other formats capture a
    // stack trace on every query to point at the calling line, about a tenth of the activities'
    // CPU per order (bench/orders), for a code frame a service's JSON log does not want. The
    // error's own stack still shows the caller.
    errorFormat: 'minimal',
    // Against the embedded server a transaction may first wait for another client's session to
    // end, so allow it longer than Prisma's default 2 s to start.
    ...(isEmbeddedUrl(url) ? { transactionOptions: { maxWait: 60_000 } } : {}),
  });
  registerPool(prisma, pool);
  return prisma;
}

/** `SET search_path` to schema alone, quoted as an identifier (any name, case kept). */
export function searchPathStatement(schema: string): string {
  return `SET search_path TO "${schema.replace(/"/g, '""')}"`;
}
