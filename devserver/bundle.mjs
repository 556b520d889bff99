// Bundles devserver/main.ts, with grpc-js and protobufjs, into one CommonJS file that
// bin/temporal-devserver runs with plain node: loading tsx costs about 1 s per spawn, and
// resolving and reading the hundred small files of those packages a good part of a start-up.
// The bundle also carries a descriptor of @temporalio/proto's root (grpc/descriptor.ts): building
// that whole root at start-up costs more than everything else together. esbuild comes with tsx.
import { mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? resolve(here, '../node_modules/.cache/temporal-devserver/main.cjs'));
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
const require = createRequire(resolve(here, 'main.ts'));
const protoMain = require.resolve('@temporalio/proto');

/** Packages bundled in; every other one is loaded from node_modules at run time. */
const BUNDLED = /^(@grpc\/grpc-js|@js-sdsl\/ordered-map|protobufjs|long)(\/|$)/;
const dependencies = {
  name: 'dependencies',
  setup(b) {
    // The protobufjs copy @temporalio/proto uses, whatever version sits at the top level.
    b.onResolve({ filter: /^protobufjs(\/|$)/ }, (args) => ({
      path: createRequire(protoMain).resolve(args.path),
    }));
    b.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) ? undefined : { external: true }));
  },
};

/** Runs grpc/descriptor.ts's describeRoot on the fully built root of @temporalio/proto. */
async function protoDescriptor() {
  const { outputFiles } = await build({
    entryPoints: [resolve(here, 'grpc/descriptor.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(mod, mod.exports, require);
  const pb = createRequire(protoMain)('protobufjs/light');
  const { version } = require('@temporalio/proto/package.json');
  // The package's root before its namespaces are patched for the generated typings.
  const root = createRequire(protoMain)('./json-module');
  const { types, ...index } = mod.exports.describeRoot(pb, root, version);
  return { index: JSON.stringify(index), types };
}

await build({
  entryPoints: [resolve(here, 'main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [dependencies],
  define: { __TEMPORAL_PROTO_DESCRIPTOR__: JSON.stringify(await protoDescriptor()) },
  outfile: tmp,
  logLevel: 'warning',
});
// Atomic: concurrent launches never run a half-written bundle.
renameSync(tmp, out);
