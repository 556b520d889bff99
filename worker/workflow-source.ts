// Where the `orders` worker's workflow code comes from: the workflows folder, bundled by the SDK.
import {
  bundleWorkflowCode,
  type BundleOptions,
  type Logger,
  type WorkerOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';

const workflowsPath = require.resolve('../workflows');

/**
 * Loaded once per workflow thread and shared by its workflows (the SDK's preloadModules) instead
 * of once per workflow: loading zod and building the domain's schemas were the largest part of
 * starting an order's workflow (shared-libraries.ts says how they are made safe to freeze).
 */
const preloadModules = [require.resolve('../workflows/shared-libraries')];

/** Workflow code: the workflows folder by default; tests pass a bundle built once. */
export type WorkflowSource =
  Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> | Pick<WorkerOptions, 'workflowBundle'>;

/**
 * The SDK compiles workflow code for ES2017, turning object spread, optional chaining and class
 * fields into helper calls; every Node the SDK supports runs ES2022 natively.
 */
const webpackConfigHook: NonNullable<BundleOptions['webpackConfigHook']> = (config) => {
  for (const rule of config.module?.rules ?? []) {
    const use = rule && typeof rule === 'object' ? rule.use : undefined;
    const options = use && typeof use === 'object' && !Array.isArray(use) ? use.options : undefined;
    const jsc =
      options && typeof options === 'object' ? (options as { jsc?: { target?: string } }).jsc : undefined;
    if (jsc?.target) jsc.target = 'es2022';
  }
  return config;
};

export function defaultWorkflowSource(): WorkflowSource {
  return { workflowsPath, bundlerOptions: { preloadModules, webpackConfigHook } };
}

/** The same code as one bundle, for tests and replays that start several workers from it. */
export function bundleOrderWorkflows(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, preloadModules, webpackConfigHook, logger });
}
