// Builds the `orders` workflow bundle once, next to the compiled code (dist/workflow-bundle.js),
// for workers that then start without bundling (worker/workflow-source.ts: prebuiltWorkflowBundle).
// Run compiled, by `npm run build:dist`: the bundle is made of dist/workflows.
import { writeFileSync } from 'node:fs';
import { DefaultLogger } from '@temporalio/worker';
import { bundleOrderWorkflows, PREBUILT_BUNDLE_FILE } from '../worker/workflow-source';

async function main(): Promise<void> {
  const bundle = await bundleOrderWorkflows(new DefaultLogger('WARN'));
  // The code carries its source map inline (stack traces of workflow errors).
  writeFileSync(PREBUILT_BUNDLE_FILE, bundle.code);
  process.stdout.write(`workflow bundle: ${PREBUILT_BUNDLE_FILE} (${bundle.code.length} bytes)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`build-workflow-bundle: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
