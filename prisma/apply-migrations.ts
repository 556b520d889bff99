// The project's own `prisma migrate deploy`, for machines without Prisma's schema engine. It
// applies prisma/migrations the way the engine does and writes the same `_prisma_migrations`
// rows, so either tool accepts a database the other migrated:
// - one session holds pg_advisory_lock(72707369) (Prisma's lock id) while migrating;
// - migration folders are applied in name order, each migration.sql as one simple query (Postgres
//   runs a multi-statement simple query in one implicit transaction unless it says otherwise);
// - a row (uuid, checksum = lowercase hex sha256 of the file's bytes, name) is inserted before a
//   migration runs; finished_at and applied_steps_count = 1 are set when it succeeds, the error
//   goes into `logs` when it fails;
// - a row with neither finished_at nor rolled_back_at is a failed migration: nothing more is
//   applied until it is resolved.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export const PRISMA_MIGRATE_LOCK_ID = 72707369;

// As prisma-engines creates it for PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface ApplyResult {
  /** Names of the migrations this run applied, in order. */
  applied: string[];
  /** Applied migrations whose migration.sql changed since (checksum differs). */
  checksumMismatches: string[];
  /** Migrations recorded in the database that have no folder here. */
  missingLocally: string[];
}

export class MigrationError extends Error {}

/**
 * A pg client for connectionString. A `schema` parameter (Prisma's URL convention for Postgres)
 * becomes the session's search_path.
 */
export async function connectClient(connectionString: string): Promise<Client> {
  const { url, schema } = splitSchema(connectionString);
  const client = new Client({ connectionString: url });
  await client.connect();
  if (schema) {
    try {
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    } catch (error) {
      await client.end();
      throw error;
    }
  }
  return client;
}

function splitSchema(connectionString: string): { url: string; schema: string | null } {
  const url = new URL(connectionString);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function checksumOf(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readMigrations(migrationsDir: string): LocalMigration[] {
  if (!existsSync(migrationsDir)) throw new MigrationError(`no migrations folder at ${migrationsDir}`);
  const lock = path.join(migrationsDir, 'migration_lock.toml');
  if (existsSync(lock) && !/provider\s*=\s*"postgresql"/.test(readFileSync(lock, 'utf8'))) {
    throw new MigrationError(`${lock} is not for provider "postgresql"`);
  }
  return readdirSync(migrationsDir)
    .filter((name) => statSync(path.join(migrationsDir, name)).isDirectory())
    .sort()
    .map((name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) throw new MigrationError(`migration folder ${name} has no migration.sql`);
      const bytes = readFileSync(file);
      return { name, sql: bytes.toString('utf8'), checksum: checksumOf(bytes) };
    });
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

export async function applyMigrations(
  connectionString: string,
  migrationsDir: string,
  log: (message: string) => void = () => undefined,
): Promise<ApplyResult> {
  const migrations = readMigrations(migrationsDir);
  const client = await connectClient(connectionString);
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_ID})`);
    try {
      // Like migrate deploy, create the URL's schema if missing (under the lock: concurrent
      // CREATE SCHEMA IF NOT EXISTS can still collide).
      const { schema } = splitSchema(connectionString);
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      return await applyLocked(client, migrations, log);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK_ID})`);
    }
  } finally {
    await client.end();
  }
}

async function applyLocked(
  client: Client,
  migrations: LocalMigration[],
  log: (message: string) => void,
): Promise<ApplyResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );

  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `migration "${failed.migration_name}" (started ${failed.started_at.toISOString()}) failed and blocks ` +
        `new migrations. Fix the database, then mark it with \`prisma migrate resolve --rolled-back ` +
        `${failed.migration_name}\` (or --applied) before migrating again.` +
        (failed.logs ? `\nIts log:\n${failed.logs}` : ''),
    );
  }

  const done = new Map<string, string>();
  for (const r of rows)
    if (r.finished_at !== null && r.rolled_back_at === null) done.set(r.migration_name, r.checksum);
  const local = new Set(migrations.map((m) => m.name));
  const result: ApplyResult = {
    applied: [],
    checksumMismatches: [],
    missingLocally: [...done.keys()].filter((name) => !local.has(name)),
  };
  for (const name of result.missingLocally) {
    log(`warning: migration ${name} is applied in the database but missing from prisma/migrations`);
  }

  for (const m of migrations) {
    const appliedChecksum = done.get(m.name);
    if (appliedChecksum !== undefined) {
      if (appliedChecksum !== m.checksum) {
        result.checksumMismatches.push(m.name);
        log(`warning: migration ${m.name} was modified after it was applied (checksum differs)`);
      }
      continue;
    }
    const id = randomUUID();
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, m.checksum, m.name],
    );
    try {
      // No parameters: pg sends this as one simple query, the whole file at once.
      await client.query(m.sql);
    } catch (error) {
      const message = describeDatabaseError(error);
      await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
      throw new MigrationError(`migration ${m.name} failed:\n${message}`);
    }
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    result.applied.push(m.name);
    log(`applied migration ${m.name}`);
  }
  return result;
}

function describeDatabaseError(error: unknown): string {
  const e = error as { message?: string; code?: string; position?: string };
  const lines = [];
  if (e.code) lines.push(`Database error code: ${e.code}`);
  lines.push(`Database error:\n${e.message ?? String(error)}`);
  if (e.position) lines.push(`Position: ${e.position}`);
  return lines.join('\n\n');
}
