// `npm run db:migrate`, and the `migrate()` that `npm start` and the tests call: applies
// prisma/migrations with `prisma migrate deploy` when Prisma's schema engine is installed, else
// with the project's own equivalent step (apply-migrations.ts). Both write the same
// `_prisma_migrations` rows.
import path from 'node:path';
import { openDatabase } from '../database/open-database';
import {
  applyMigrations,
  connectClient,
  MigrationError,
  readMigrations,
  type ApplyResult,
} from './apply-migrations';
import { findSchemaEngine, prismaMigrateDeploy } from './schema-engine';

export { MigrationError };

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

export interface MigrateOptions {
  /** `auto` (default): Prisma's engine when found, else the built-in step. */
  tool?: 'auto' | 'prisma' | 'builtin';
  migrationsDir?: string;
  log?: (message: string) => void;
}

export interface MigrateResult extends ApplyResult {
  tool: 'prisma' | 'builtin';
}

export async function migrate(
  connectionString: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const log = options.log ?? (() => undefined);
  const tool = options.tool ?? 'auto';
  const engine = tool === 'builtin' ? undefined : findSchemaEngine();
  if (tool === 'prisma' && !engine) {
    throw new MigrationError('Prisma schema engine not found (set PRISMA_SCHEMA_ENGINE_BINARY)');
  }
  if (!engine) return { tool: 'builtin', ...(await applyMigrations(connectionString, migrationsDir, log)) };

  // The engine only works with the default migrations folder (prisma.config.ts).
  if (path.resolve(migrationsDir) !== MIGRATIONS_DIR) {
    throw new MigrationError('prisma migrate deploy only applies prisma/migrations');
  }
  const before = await finishedMigrations(connectionString);
  log(`running prisma migrate deploy (${engine})`);
  await prismaMigrateDeploy(connectionString, engine);
  const after = await finishedMigrations(connectionString);
  const local = readMigrations(migrationsDir);
  return {
    tool: 'prisma',
    applied: local.map((m) => m.name).filter((name) => after.has(name) && !before.has(name)),
    checksumMismatches: local
      .filter((m) => before.has(m.name) && before.get(m.name) !== m.checksum)
      .map((m) => m.name),
    missingLocally: [...after.keys()].filter((name) => !local.some((m) => m.name === name)),
  };
}

async function finishedMigrations(connectionString: string): Promise<Map<string, string>> {
  const client = await connectClient(connectionString);
  try {
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    return new Map(rows.map((r) => [r.migration_name, r.checksum]));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return new Map(); // no table yet
    throw error;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const db = await openDatabase();
  try {
    const result = await migrate(db.url, { log: (m) => console.log(m) });
    const where = db.embedded ? 'embedded Postgres' : 'DATABASE_URL';
    console.log(
      result.applied.length === 0
        ? `database is up to date (${where}, ${result.tool})`
        : `applied ${result.applied.length} migration(s) to the ${where} with ${result.tool === 'prisma' ? 'prisma migrate deploy' : 'the built-in migrator'}`,
    );
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
