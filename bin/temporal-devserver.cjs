// The node side of bin/temporal-devserver: runs the bundle of devserver/ (built by
// devserver/bundle.mjs into node_modules/.cache, rebuilt when a source or the installed packages
// are newer), with a V8 code cache next to it; tsx on the sources if the bundle cannot be built.
// A spawn's start-up is mostly loading code: the bundle saves resolving and reading the many
// small files of grpc-js and protobufjs, the code cache saves compiling them. vm.Script's
// cachedData works on every Node the project supports (module.enableCompileCache needs 22.1, and
// a single script that loads nothing else gains nothing more from it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const root = path.resolve(__dirname, '..');
const sources = path.join(root, 'devserver');
const bundle = path.join(root, 'node_modules', '.cache', 'temporal-devserver', 'main.cjs');

/** Modification time in ms, or -1 when the file is missing. */
function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether the bundle is missing or older than a source or the last npm install. */
function stale() {
  const built = mtime(bundle);
  if (built < 0) return true;
  // npm rewrites node_modules/.package-lock.json on every install: the bundled packages changed.
  if (mtime(path.join(root, 'node_modules', '.package-lock.json')) > built) return true;
  for (const name of fs.readdirSync(sources, { recursive: true })) {
    if (/\.(ts|mjs)$/.test(name) && mtime(path.join(sources, name)) > built) return true;
  }
  return false;
}

/** Runs the bundle as the main script, compiled from (and then into) its code cache. */
function runBundle() {
  const fd = fs.openSync(bundle, 'r');
  const { size, mtimeMs } = fs.fstatSync(fd);
  const source = fs.readFileSync(fd, 'utf8');
  fs.closeSync(fd);
  // V8 checks a cache against the length of the source only: name the cache after the bundle's
  // size and time, so that a rebuilt bundle never runs with the code of the previous one.
  const stamp = `${process.version}-${process.arch}-${size}-${Math.floor(mtimeMs)}`;
  const cacheFile = `${bundle}.${stamp}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not cached yet (first run of this bundle on this Node): compiled, then cached below.
  }
  const wrapper = '(function (exports, require, module, __filename, __dirname) { ';
  const script = new vm.Script(`${wrapper}${source}\n})`, { filename: bundle, cachedData });
  const mod = { exports: {}, filename: bundle, id: '.', loaded: false };
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  if (cachedData && !script.cachedDataRejected) return;
  // Written now, when start-up has compiled what it needs (the bundle has run up to listening),
  // so that the next spawn finds it even if this one is killed soon. Best effort.
  try {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
    const base = path.basename(bundle);
    for (const name of fs.readdirSync(path.dirname(bundle))) {
      if (name.startsWith(`${base}.`) && name.endsWith('.v8cache') && !name.includes(stamp)) {
        fs.rmSync(path.join(path.dirname(bundle), name), { force: true });
      }
    }
  } catch {
    // A read-only install, or another spawn writing at the same time: no cache this time.
  }
}

// The bundle (or main.ts) is the main script: its arguments start at argv[2].
process.argv.splice(1, 1, bundle);
let built = !stale();
if (!built) {
  // Rebuilt in a child (esbuild, and loading the full protobuf root, stay out of this process).
  const r = require('node:child_process').spawnSync(
    process.execPath,
    [path.join(sources, 'bundle.mjs'), bundle],
    {
      stdio: ['ignore', 2, 2],
    },
  );
  built = r.status === 0;
}
if (built) {
  runBundle();
} else {
  process.argv[1] = path.join(sources, 'main.ts');
  require('tsx/cjs/api').register();
  require(process.argv[1]);
}
