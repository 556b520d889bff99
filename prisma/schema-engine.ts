// Finding Prisma's schema engine. `prisma migrate deploy` needs this native binary, which the
// Prisma CLI downloads from its CDN at install; on machines that cannot reach it the binary is
// absent and the project's own step (apply-migrations.ts) migrates instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/**
 * The schema engine to use, or undefined. Candidates: PRISMA_SCHEMA_ENGINE_BINARY, then the
 * files @prisma/engines (and the prisma package) keep as `schema-engine-<platform>`. A candidate
 * counts only if it runs and says it is the schema engine: scripts/prisma-generate.mjs points
 * the variable at `node` for offline `prisma generate`, which must not be mistaken for one.
 */
export function findSchemaEngine(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (env.PRISMA_SCHEMA_ENGINE_BINARY) candidates.push(env.PRISMA_SCHEMA_ENGINE_BINARY);
  for (const dir of ['node_modules/@prisma/engines', 'node_modules/prisma']) {
    const abs = path.join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      if (/^schema-engine(-|$)/.test(name) && !/\.(js|d\.ts|map|gz|sha256)$/.test(name)) {
        candidates.push(path.join(abs, name));
      }
    }
  }
  return candidates.find(isSchemaEngine);
}

function isSchemaEngine(file: string): boolean {
  if (!existsSync(file)) return false;
  const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return run.status === 0 && /schema-engine/i.test(`${run.stdout}`);
}

/**
 * Runs `prisma migrate deploy` with the given engine against connectionString. Asynchronous on
 * purpose: the embedded Postgres may be served by this very process.
 */
export function prismaMigrateDeploy(connectionString: string, engine: string): Promise<void> {
  const cli = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
  const child = spawn(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: connectionString,
      PRISMA_SCHEMA_ENGINE_BINARY: engine,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output}`)),
    );
  });
}
