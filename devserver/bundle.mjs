// Bundles devserver/main.ts into one CommonJS file (dependencies stay external) so that
// bin/temporal-devserver starts with plain node: loading tsx costs about 1 s per spawn, and the
// SDK's test environments give a server 5 s to answer. esbuild comes with tsx.
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? resolve(here, '../node_modules/.cache/temporal-devserver/main.cjs'));
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [resolve(here, 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  outfile: tmp,
  logLevel: 'warning',
});
// Atomic: concurrent launches never run a half-written bundle.
renameSync(tmp, out);
