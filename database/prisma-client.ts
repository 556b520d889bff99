// The one way the application builds a Prisma client: the `prisma-client` generator's output
// over @prisma/adapter-pg, for a real server and the embedded one alike.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { isEmbeddedUrl } from './embedded-postgres';

export { PrismaClient };

/**
 * The embedded server runs one session at a time (see session-gate.ts): use a single connection
 * and hand it back soon after it goes idle, so other clients (another process, a jest worker)
 * get their turn. A real server gets pg's normal pool.
 */
const EMBEDDED_POOL = { max: 1, idleTimeoutMillis: 100 };

/**
 * A Prisma client for url. A `schema` parameter (Prisma's URL convention) selects the Postgres
 * schema the tables live in.
 */
export function createPrismaClient(url: string): PrismaClient {
  if (!url) throw new Error('createPrismaClient: a connection string is required');
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  const pool = isEmbeddedUrl(url) ? EMBEDDED_POOL : {};
  const adapter = new PrismaPg(
    { connectionString: parsed.toString(), ...pool },
    schema ? { schema } : undefined,
  );
  // Against the embedded server a transaction may first wait for another client's session to
  // end, so allow it longer than Prisma's default 2 s to start.
  return new PrismaClient(
    isEmbeddedUrl(url) ? { adapter, transactionOptions: { maxWait: 60_000 } } : { adapter },
  );
}
