// Chooses the database: DATABASE_URL names a real PostgreSQL server; without it the embedded
// Postgres is started under the data folder, so a fresh machine needs no server.
import path from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface Database {
  /** Connection string for `pg`, createPrismaClient and migrate. */
  url: string;
  /** true when this process runs the embedded Postgres. */
  embedded: boolean;
  /** Stops the embedded server (a no-op for a real server). Disconnect clients first. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A real server; defaults to DATABASE_URL. */
  url?: string;
  /** Where the embedded Postgres keeps its files; defaults to `${DATA_DIR:-./.data}/pg`. */
  dataDir?: string;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const url = options.url ?? nonEmpty(process.env.DATABASE_URL);
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      // (the value itself may hold a password: name only its scheme)
      throw new Error(
        `DATABASE_URL must be a postgresql:// connection string, not "${url.split(':')[0]}:..."`,
      );
    }
    return { url, embedded: false, close: async () => undefined };
  }
  const dataDir = options.dataDir ?? path.join(nonEmpty(process.env.DATA_DIR) ?? './.data', 'pg');
  const pg = await startEmbeddedPostgres(dataDir);
  return { url: pg.url, embedded: true, close: pg.close };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
