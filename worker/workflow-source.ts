// Where the `orders` worker's workflow code comes from: the workflows folder, bundled by the SDK,
// with the modules every workflow of a worker thread shares.
import {
  bundleWorkflowCode,
  type Logger,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const workflowsPath = require.resolve('../workflows');

/**
 * Evaluated once per workflow thread and shared by every workflow in it (the SDK's
 * preloadModules), instead of once per workflow. zod is a stateless library, and loading it was
 * about a tenth of a new order's workflow CPU. The domain's own schemas cannot be shared: the SDK
 * freezes shared modules, and a zod schema completes itself on first use.
 */
export const SHARED_WORKFLOW_MODULES: readonly string[] = ['zod'];

/** Workflow code: the workflows folder by default; tests pass a bundle built once. */
export type WorkflowSource =
  Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> | Pick<WorkerOptions, 'workflowBundle'>;

export function defaultWorkflowSource(): WorkflowSource {
  return { workflowsPath, bundlerOptions: { preloadModules: [...SHARED_WORKFLOW_MODULES] } };
}

/** The same code as one bundle, for tests and replays that start several workers from it. */
export function bundleOrderWorkflows(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, preloadModules: [...SHARED_WORKFLOW_MODULES], logger });
}
