// `npm start`: the whole product in one process, with nothing to install or configure.
//   1. Temporal: the embedded Temporal-compatible server on TEMPORAL_PORT (search attributes
//      OrderStatus, OrderKind, CustomerId), or the real Temporal at TEMPORAL_ADDRESS;
//   2. Postgres: the embedded one under DATA_DIR, or DATABASE_URL; migrations applied;
//   3. first-run data: settings row, demo catalog, BOOTSTRAP_ADMIN_KEY, demo keys (printed once);
//   4. the workers of the orders and provisioning queues;
//   5. the API on PORT;
//   6. with the embedded server, the Temporal UI on TEMPORAL_UI_PORT (start/ui/), built in the
//      background on the first start: nothing above waits for that build.
// (In that order, so nothing is served before what it needs is up.)
// SIGINT/SIGTERM stop them in reverse order and exit 0 (1 if a part did not stop cleanly); a second
// signal exits 130 at once. A signal during the start ends it at its next step (what was started
// is stopped, exit 0).
// The compose stack's API container runs the `api` part alone (start/api.ts): real Temporal and
// Postgres, no worker, no migration (a job does it) and no demo data.
// Anything that prevents the start (configuration, a port in use, an unreachable service) is
// reported as one line on stderr with exit code 1.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { activitiesFromConfig } from '../activities';
import { ensureBootstrapAdmin, issueApiKey } from '../api/auth/keys';
import { startApiServer } from '../api/server';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../config/logger';
import { openDatabase } from '../database/open-database';
import { createPrismaClient, type PrismaClient } from '../database/prisma-client';
import { migrate } from '../prisma/migrate';
import { connectToTemporal, oneLine, temporalAddress } from '../worker/connection';
import { startProcessTelemetry } from '../telemetry/process-telemetry';
import { bundlerLogger, installRuntime, runtimeMetricsAddress } from '../worker/runtime-logger';
import { cachedWorkflowBundle, prebuiltWorkflowBundle } from '../worker/workflow-source';
import { createWorkers } from '../worker/workers';
import { formatBanner } from './banner';
import { reportMissingWorkflows } from './missing-workflows';
import { assertPortFree } from './ports';
import { seedCatalog, seedDemoPrincipals, seedSettings } from './seed';
import { ShutdownStack } from './shutdown';
import {
  connectClient,
  EMBEDDED_TEMPORAL_HOST,
  embeddedTemporalFile,
  ensureSearchAttributes,
  startEmbeddedTemporal,
  type TemporalEndpoint,
} from './temporal';
import { startUi } from './ui';

/** Signals closer together than this are one request to stop (see onSignal). */
const SIGNAL_REPEAT_WINDOW_MS = 1_000;

/** Which parts this process runs. */
export type StartMode = 'all' | 'api';

/** Why the process stops: a signal (clean, exit 0) or a part that failed while running. */
type StopReason = { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'failure'; error: unknown };

export async function main(env: NodeJS.ProcessEnv = process.env, mode: StartMode = 'all'): Promise<number> {
  const name = mode === 'all' ? 'start' : 'api';
  const fail = (line: string): number => {
    process.stderr.write(`${name}: ${line}\n`);
    return 1;
  };
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    return fail(oneLine((error as Error).message));
  }
  const log = createLogger(name, config.LOG_LEVEL, config.LOG_FORMAT);
  const stack = new ShutdownStack(log);

  let requestStop: (reason: StopReason) => void = () => undefined;
  const stopped = new Promise<StopReason>((resolve) => (requestStop = resolve));
  let stopping = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Ctrl-C under `npm start` arrives twice at once: from the terminal (to the whole process
    // group) and forwarded by npm. Only a signal well after the first one means "force".
    if (stopping && Date.now() - firstSignalAt < SIGNAL_REPEAT_WINDOW_MS) return;
    if (stopping) {
      process.stderr.write(`${name}: second ${signal}: exiting without a clean stop\n`);
      process.exit(130);
    }
    stopping = true;
    firstSignalAt = Date.now();
    log.info({ signal }, 'stopping');
    requestStop({ kind: 'signal', signal });
  };
  // Before the start: it takes seconds (the workflow bundle), and a signal's default action
  // would end the process with the embedded database open.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      await startAll(config, mode, log, stack, requestStop, () => stopping);
    } catch (error) {
      await stack.unwind();
      if (error instanceof StoppedDuringStartup) {
        log.info('stopped during startup');
        return 0;
      }
      return fail(oneLine((error as Error).message));
    }

    const reason = await stopped;
    stopping = true;
    const clean = await stack.unwind();
    if (reason.kind === 'failure') {
      return fail(
        `stopped after a failure: ${oneLine(String((reason.error as Error)?.message ?? reason.error))}`,
      );
    }
    // As `npm run worker` does: a stop that had to abandon something (activities still running at
    // WORKER_SHUTDOWN_FORCE_MS, a part that would not close) is not a clean exit.
    if (!clean) return fail('stopped, but a part did not stop cleanly (see the log above)');
    log.info('stopped');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A stop requested (signal) while starting: not a failure. */
class StoppedDuringStartup extends Error {}

/** A step of the start that failed, named for the one-line message. */
class StartError extends Error {}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StartError) throw error;
    throw new StartError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

async function startAll(
  config: Config,
  mode: StartMode,
  log: Logger,
  stack: ShutdownStack,
  requestStop: (reason: StopReason) => void,
  stopRequested: () => boolean,
): Promise<void> {
  // Between the steps below: a signal ends the start there (the caller stops what was started).
  const stopIfRequested = (): void => {
    if (stopRequested()) throw new StoppedDuringStartup();
  };
  const all = mode === 'all';
  const embeddedTemporal = all && !config.TEMPORAL_ADDRESS;
  await assertPortFree(config.PORT, config.HOST, 'PORT');
  if (embeddedTemporal) {
    await assertPortFree(config.TEMPORAL_PORT, EMBEDDED_TEMPORAL_HOST, 'TEMPORAL_PORT');
    await assertPortFree(config.TEMPORAL_HTTP_PORT, EMBEDDED_TEMPORAL_HOST, 'TEMPORAL_HTTP_PORT');
  }
  const ui = embeddedTemporal && config.TEMPORAL_UI;
  if (ui) await assertPortFree(config.TEMPORAL_UI_PORT, config.HOST, 'TEMPORAL_UI_PORT');

  // 0. telemetry: traces (OTLP variables) and the metrics endpoint (METRICS_PORT)
  const telemetry = await step('cannot start telemetry', () =>
    startProcessTelemetry(config, all ? 'order-orchestrator' : 'order-orchestrator-api', log),
  );
  stack.push('telemetry', () => telemetry.close());

  // 1. Temporal
  let endpoint: TemporalEndpoint;
  if (embeddedTemporal) {
    endpoint = await step('cannot start the embedded Temporal server', () =>
      startEmbeddedTemporal(config, log, (error) => requestStop({ kind: 'failure', error })),
    );
    stack.push('temporal server', () => endpoint.close());
    log.info({ address: endpoint.address, http: endpoint.httpUrl }, 'embedded Temporal server listening');
  } else {
    endpoint = { address: temporalAddress(config), embedded: false, close: async () => undefined };
  }
  // Everything below connects to the address actually bound (TEMPORAL_PORT may be 0).
  const effective: Config = { ...config, TEMPORAL_ADDRESS: endpoint.address };

  // 2. Postgres
  stopIfRequested();
  const db = await step('cannot open the database', () =>
    openDatabase({ url: config.DATABASE_URL, dataDir: `${config.DATA_DIR}/pg` }),
  );
  stack.push('database', () => db.close());
  if (all) await step('cannot migrate the database', () => migrate(db.url, { log: (m) => log.info(m) }));
  log.info({ embedded: db.embedded }, 'database ready');
  // One client for the workers' activities and the API: the embedded Postgres serves one session
  // at a time, and one pool keeps them from queueing behind each other.
  const prisma = createPrismaClient(db.url);
  stack.push('prisma', () => prisma.$disconnect());

  // 3. first-run data
  stopIfRequested();
  const demoKeys = await step('cannot seed the database', () => seed(prisma, config, mode, log));

  // 4. the API's client; on a real Temporal, the search attributes before any workflow runs
  stopIfRequested();
  const temporal: Client = await step('cannot connect the API to Temporal', () => connectClient(effective));
  stack.push('temporal client', () => temporal.connection.close());
  if (!endpoint.embedded) await ensureSearchAttributes(temporal, config.TEMPORAL_NAMESPACE, log);
  // Said once: orders kept in Postgres whose workflow is gone (a check, never a reason not to start).
  if (all) {
    await reportMissingWorkflows(prisma, temporal, log).catch((error: unknown) =>
      log.warn({ err: error }, 'could not check for orders whose workflow is missing'),
    );
  }

  // 5. workers
  stopIfRequested();
  if (all) await startWorkers(effective, prisma, log, stack, requestStop);

  // 6. API
  stopIfRequested();
  const api = await step('cannot start the API', () =>
    startApiServer({
      prisma,
      temporal,
      config: effective,
      logger: all ? createLogger('api', config.LOG_LEVEL, config.LOG_FORMAT) : log,
      port: config.PORT,
      host: config.HOST,
    }),
  );
  stack.push('api', () => api.close());

  const apiUrl = api.url.replace(/\/$/, '');
  if (!all) {
    log.info({ url: apiUrl, temporal: endpoint.address }, 'API started');
    return;
  }

  // 7. the Temporal UI, over the embedded server's HTTP API
  stopIfRequested();
  let uiLine: (() => string) | undefined;
  if (ui && endpoint.httpUrl) {
    const running = await step('cannot start the Temporal UI', () =>
      startUi({
        port: config.TEMPORAL_UI_PORT,
        host: config.HOST,
        apiTarget: endpoint.httpUrl!,
        namespace: config.TEMPORAL_NAMESPACE,
        buildIfMissing: config.TEMPORAL_UI_BUILD,
        dataDir: config.DATA_DIR,
        log,
      }),
    );
    stack.push('temporal ui', () => running.close());
    uiLine = running.describe;
  }
  process.stdout.write(
    formatBanner({
      apiUrl,
      temporalAddress: endpoint.address,
      temporalEmbedded: endpoint.embedded,
      temporalHttpUrl: endpoint.httpUrl,
      temporalUi: uiLine?.(),
      namespace: config.TEMPORAL_NAMESPACE,
      database: db.embedded ? `embedded Postgres in ${config.DATA_DIR}/pg` : 'DATABASE_URL',
      temporalState: endpoint.embedded ? temporalStateLine(config) : undefined,
      outbox: config.SMTP_URL ? undefined : config.outboxDir,
      demoKeys,
    }) + '\n',
  );
}

/** The orders and provisioning workers, sharing the process's Prisma client. */
async function startWorkers(
  config: Config,
  prisma: PrismaClient,
  log: Logger,
  stack: ShutdownStack,
  requestStop: (reason: StopReason) => void,
): Promise<void> {
  installRuntime(log, runtimeMetricsAddress(config));
  const connection = await step('cannot start the worker', () => connectToTemporal(config));
  stack.push('worker connection', () => connection.close());
  const { activities, mailer } = activitiesFromConfig(config, prisma, log);
  stack.push('mailer', () => mailer.close());
  const bundleStarted = Date.now();
  // The compiled build's own bundle when there is one, else built (or cached) from the sources.
  const workflows = prebuiltWorkflowBundle() ?? {
    workflowBundle: await step('cannot bundle the workflows', () =>
      cachedWorkflowBundle(path.join(config.DATA_DIR, 'cache'), bundlerLogger(log)),
    ),
  };
  log.info({ ms: Date.now() - bundleStarted }, 'workflow bundle ready');
  const workers = await step('cannot start the worker', () =>
    createWorkers({ connection, config, activities, log, workflows }),
  );
  const running = Promise.allSettled(
    workers.map(({ worker }) =>
      worker.run().catch((error: unknown) => {
        requestStop({ kind: 'failure', error });
        throw error;
      }),
    ),
  );
  stack.push('workers', async () => {
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    // Reported as a failed stop step, e.g. activities still running at WORKER_SHUTDOWN_FORCE_MS.
    const failed = (await running).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
}

/** The settings row and BOOTSTRAP_ADMIN_KEY always; the demo catalog and keys with `npm start` only. */
async function seed(prisma: PrismaClient, config: Config, mode: StartMode, log: Logger) {
  await seedSettings(prisma);
  // Before the demo keys: the bootstrap key only becomes an admin's while no admin exists.
  if (config.BOOTSTRAP_ADMIN_KEY) await ensureBootstrapAdmin(prisma, config.BOOTSTRAP_ADMIN_KEY);
  if (mode !== 'all') return undefined;
  const products = await seedCatalog(prisma);
  if (products > 0) log.info({ products }, 'seeded the demo catalog');
  return seedDemoPrincipals(prisma, issueApiKey);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`start: ${oneLine(String((error as Error)?.message ?? error))}\n`);
      process.exit(1);
    },
  );
}

function temporalStateLine(config: Config): string {
  const file = embeddedTemporalFile(config);
  return file
    ? `kept in ${file} (across restarts)`
    : 'in memory only (TEMPORAL_PERSIST=false): lost when stopped';
}
