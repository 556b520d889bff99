// Where the `orders` worker's workflow code comes from: the workflows folder, bundled by the SDK.
//
// Not shared between workflows (the SDK's preloadModules): the SDK freezes shared modules, and zod
// 4 completes its schemas and its own caches on first use, so a frozen zod fails in the middle of
// a workflow task. Each workflow loads zod and the domain's schemas itself.
import {
  bundleWorkflowCode,
  type Logger,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const workflowsPath = require.resolve('../workflows');

/** Workflow code: the workflows folder by default; tests pass a bundle built once. */
export type WorkflowSource = Pick<WorkerOptions, 'workflowsPath'> | Pick<WorkerOptions, 'workflowBundle'>;

export function defaultWorkflowSource(): WorkflowSource {
  return { workflowsPath };
}

/** The same code as one bundle, for tests and replays that start several workers from it. */
export function bundleOrderWorkflows(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger });
}
