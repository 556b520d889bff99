// Where the `orders` worker's workflow code comes from: the workflows folder, bundled by the SDK.
import {
  bundleWorkflowCode,
  type Logger,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const workflowsPath = require.resolve('../workflows');

/**
 * Loaded once per workflow thread and shared by its workflows (the SDK's preloadModules) instead
 * of once per workflow: loading zod was the largest part of starting an order's workflow. Only
 * libraries: the domain's schemas stay per workflow, since the SDK freezes shared modules and a
 * zod schema completes itself on first use.
 */
const preloadModules = [require.resolve('../workflows/shared-libraries')];

/** Workflow code: the workflows folder by default; tests pass a bundle built once. */
export type WorkflowSource =
  Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> | Pick<WorkerOptions, 'workflowBundle'>;

export function defaultWorkflowSource(): WorkflowSource {
  return { workflowsPath, bundlerOptions: { preloadModules } };
}

/** The same code as one bundle, for tests and replays that start several workers from it. */
export function bundleOrderWorkflows(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, preloadModules, logger });
}
