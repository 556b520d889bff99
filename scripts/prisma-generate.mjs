// Runs `prisma generate` offline. The Prisma 7 CLI insists on locating its schema engine even
// though generating the `prisma-client` output never runs it, and the engine download is not
// reachable from every machine; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// satisfies the lookup. A real engine path set by the user is kept.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'prisma', 'schema.prisma'))) process.exit(0);

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
if (!existsSync(prismaCli)) {
  // e.g. `npm ci --omit=dev`: the client must then come from a build that had the CLI.
  console.error(
    'prisma-generate: the prisma CLI (a devDependency) is not installed; generated/prisma was not written',
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
