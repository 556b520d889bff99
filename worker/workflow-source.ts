// Where the `orders` worker's workflow code comes from: the workflows folder, bundled by the SDK.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

/**
 * The OpenTelemetry interceptors' workflow half, in every bundle whether tracing is on or not
 * (telemetry/temporal.ts): the workflows' spans, with the context the client's headers carry, for
 * the runs whose start carried one. In workflows/, so the bundle's cache key covers it.
 */
export const workflowInterceptorModules = [require.resolve('../workflows/tracing-interceptors')];

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

/**
 * The bundle built once with the compiled code (`npm run build:dist`, the image's build stage):
 * dist/workflow-bundle.js. Looked for only when this file runs compiled, so a run from the
 * TypeScript sources never picks up a bundle of other sources.
 */
export const PREBUILT_BUNDLE_FILE = path.resolve(__dirname, '..', 'workflow-bundle.js');

export function prebuiltWorkflowBundle(
  file = PREBUILT_BUNDLE_FILE,
): Pick<WorkerOptions, 'workflowBundle'> | undefined {
  const compiled = __filename.endsWith('.js');
  return compiled && existsSync(file) ? { workflowBundle: { codePath: file } } : undefined;
}

export function defaultWorkflowSource(): WorkflowSource {
  const prebuilt = prebuiltWorkflowBundle();
  if (prebuilt) return prebuilt;
  return { workflowsPath, bundlerOptions: { preloadModules, webpackConfigHook } };
  // (Worker.create bundles them with the worker's interceptors.workflowModules: workers.ts.)
}

/** The same code as one bundle, for tests and replays that start several workers from it. */
export function bundleOrderWorkflows(logger?: Logger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    preloadModules,
    webpackConfigHook,
    logger,
  });
}

/**
 * What the bundle is made of, for the cache key: the workflows and everything they may import
 * (domain, the activities' contract), the bundling options in this file and the locked
 * dependencies. Whole folders rather than the bundle's module graph, which only webpack knows: a
 * change anywhere there rebuilds, a stale bundle is never used.
 */
const bundleInputs = ['workflows', 'domain', 'activities'];

async function bundleKey(root: string): Promise<string> {
  const hash = createHash('sha256');
  const files: string[] = [path.join(root, 'package-lock.json'), __filename];
  for (const dir of bundleInputs) {
    for (const entry of await readdir(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name))
        files.push(path.join(entry.parentPath, entry.name));
    }
  }
  for (const file of files.sort())
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 32);
}

/**
 * The workflow bundle from `cacheDir` when its sources have not changed since it was built, else
 * built and stored there: bundling takes most of a start (tens of seconds on two cores), while the
 * sources change only when the code does. Older bundles in the folder are removed.
 */
export async function cachedWorkflowBundle(
  cacheDir: string,
  logger?: Logger,
): Promise<WorkflowBundleWithSourceMap> {
  const key = await bundleKey(path.resolve(__dirname, '..'));
  const file = path.join(cacheDir, `workflow-bundle-${key}.json`);
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as WorkflowBundleWithSourceMap;
    if (typeof cached.code === 'string' && typeof cached.sourceMap === 'string') return cached;
  } catch {
    // Absent or unreadable (an interrupted write): build it again.
  }
  const bundle = await bundleOrderWorkflows(logger);
  await mkdir(cacheDir, { recursive: true });
  for (const old of await readdir(cacheDir)) {
    if (old.startsWith('workflow-bundle-')) await rm(path.join(cacheDir, old), { force: true });
  }
  // Written aside and renamed: a crash mid-write leaves no half bundle under the key's name.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  await rename(partial, file);
  return bundle;
}
