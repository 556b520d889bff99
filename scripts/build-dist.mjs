// `npm run build:dist`: the compiled product the image runs. TypeScript to dist/
// (tsconfig.build.json), the migrations beside the compiled migrate step, then the workflow bundle
// built once from the compiled workflows (dist/workflow-bundle.js).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

rmSync(dist, { recursive: true, force: true });
run(tsc, '-p', 'tsconfig.build.json');
cpSync(path.join(root, 'prisma', 'migrations'), path.join(dist, 'prisma', 'migrations'), { recursive: true });
run(path.join(dist, 'scripts', 'build-workflow-bundle.js'));
