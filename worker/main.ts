// `npm run worker`: the worker process. Connects to Temporal first (so a wrong address fails in
// a second with one clear line, before any database work), then opens the database, builds the
// activities and runs the workers of WORKER_TASK_QUEUES until SIGTERM or SIGINT, when it stops
// polling, lets running activities finish (WORKER_SHUTDOWN_GRACE_MS) and exits 0. Activities still
// running at WORKER_SHUTDOWN_FORCE_MS are abandoned: the process closes the database and exits 1.
// A signal during startup stops it at the next step (or, once the workers exist, right after
// they start), closing what was opened, and exits 0.
//
// Exit codes: 0 after a graceful stop, 1 when it cannot start (configuration, Temporal, database),
// a worker fails or the stop was forced, 130 on a second signal during shutdown.
import { GracefulShutdownPeriodExpiredError, type NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { activitiesFromConfig } from '../activities';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../config/logger';
import { openDatabase, type Database } from '../database/open-database';
import { createPrismaClient } from '../database/prisma-client';
import { migrate } from '../prisma/migrate';
import { connectToTemporal, oneLine } from './connection';
import { startProcessTelemetry } from '../telemetry/process-telemetry';
import { installRuntime, runtimeMetricsAddress } from './runtime-logger';
import { PREBUILT_BUNDLE_FILE, prebuiltWorkflowBundle } from './workflow-source';
import { createWorkers, type QueueWorker } from './workers';

/** A failure to start, reported as one line on stderr. */
class StartupError extends Error {}

/** A stop requested (signal) while starting: not a failure. */
class StoppedDuringStartup extends Error {}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    return fail(`worker: ${oneLine((error as Error).message)}`);
  }
  const log = createLogger('worker', config.LOG_LEVEL, config.LOG_FORMAT);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => log.warn({ err: error }, 'cleanup step failed'));
    }
  };

  let workers: QueueWorker[] = [];
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      // Ctrl-C under `npm run` reaches this process twice (terminal and npm's relay) at once:
      // only a signal sent well after the first one means "stop now".
      if (Date.now() - stoppingSince < 1_000) return;
      log.warn({ signal }, 'second signal: exiting without waiting for running activities');
      process.exit(130);
    }
    stoppingSince = Date.now();
    if (workers.length === 0) {
      log.info({ signal }, 'stopping: during startup, at its next step');
      return;
    }
    log.info(
      { signal, graceMs: config.WORKER_SHUTDOWN_GRACE_MS, forceMs: config.WORKER_SHUTDOWN_FORCE_MS },
      'stopping: finishing running activities',
    );
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  // Installed before anything starts: startup takes seconds (the workflow bundle), and a signal's
  // default action then would end the process with the embedded database open.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const stopIfRequested = (): void => {
      if (stoppingSince !== undefined) throw new StoppedDuringStartup();
    };
    try {
      const telemetry = await startProcessTelemetry(config, 'order-orchestrator-worker', log).catch(
        (error: unknown) => {
          throw new StartupError((error as Error).message);
        },
      );
      cleanups.push(() => telemetry.close());
      installRuntime(log, runtimeMetricsAddress(config));
      const connection = await connectToTemporal(config).catch((error: unknown) => {
        throw new StartupError((error as Error).message);
      });
      cleanups.push(() => connection.close());
      workers = await startWorkers(config, connection, log, cleanups, stopIfRequested);
    } catch (error) {
      await cleanup();
      if (error instanceof StoppedDuringStartup) {
        log.info('stopped during startup');
        return 0;
      }
      const message =
        error instanceof StartupError ? error.message : `cannot start: ${(error as Error).message}`;
      return fail(`worker: ${oneLine(message)}`);
    }

    const running = Promise.allSettled(
      workers.map(async ({ worker }) => {
        try {
          await worker.run();
        } finally {
          // One worker failing stops the others: the process is restarted as a whole.
          for (const other of workers) if (other.worker.getState() === 'RUNNING') other.worker.shutdown();
        }
      }),
    );
    // A signal while the workers were being created: they are running now (run() sets that
    // before its first await), so they can be stopped the ordinary way.
    if (stoppingSince !== undefined) {
      log.info('stopping: requested during startup');
      for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    }
    const results = await running;
    await cleanup();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const reason = failed && oneLine(String((failed.reason as Error)?.message ?? failed.reason));
    // The SDK's GracefulShutdownPeriodExpiredError is often replaced by the error of its own
    // clean-up ("Worker still in use"), so a failure once the force time has passed counts too.
    const forced =
      failed !== undefined &&
      stoppingSince !== undefined &&
      (failed.reason instanceof GracefulShutdownPeriodExpiredError ||
        Date.now() - stoppingSince >= config.WORKER_SHUTDOWN_FORCE_MS);
    if (forced) {
      log.error(
        { err: failed.reason, forceMs: config.WORKER_SHUTDOWN_FORCE_MS },
        'stopped with activities still running: they ignored the cancellation',
      );
      return fail(
        `worker: stopped with activities still running after WORKER_SHUTDOWN_FORCE_MS=${config.WORKER_SHUTDOWN_FORCE_MS} (${reason})`,
      );
    }
    if (failed) {
      log.error({ err: failed.reason }, 'worker failed');
      return fail(`worker: failed: ${reason}`);
    }
    log.info('stopped');
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function startWorkers(
  config: Config,
  connection: NativeConnection,
  log: Logger,
  cleanups: (() => Promise<unknown> | unknown)[],
  stopIfRequested: () => void,
): Promise<QueueWorker[]> {
  let db: Database;
  try {
    db = await openDatabase({ url: config.DATABASE_URL, dataDir: `${config.DATA_DIR}/pg` });
  } catch (error) {
    throw new StartupError(`cannot open the database: ${(error as Error).message}`);
  }
  cleanups.push(() => db.close());
  stopIfRequested();
  try {
    // Idempotent and locked: safe when the API process migrates at the same time.
    await migrate(db.url, { log: (message) => log.info(message) });
  } catch (error) {
    throw new StartupError(`cannot migrate the database: ${(error as Error).message}`);
  }
  stopIfRequested();
  const prisma = createPrismaClient(db.url);
  cleanups.push(() => prisma.$disconnect());
  const { activities, mailer } = activitiesFromConfig(config, prisma, log);
  cleanups.push(() => mailer.close());
  // Not interrupted once begun (bundling the workflows): a stop requested meanwhile is honoured
  // by the caller once the workers run.
  const prebuilt = prebuiltWorkflowBundle();
  log.info(
    prebuilt
      ? { workflowBundle: PREBUILT_BUNDLE_FILE }
      : { workflowBundle: 'bundled from the sources first' },
    'creating workers',
  );
  const workers = await createWorkers({ connection, config, activities, log, workflows: prebuilt });
  log.info(
    {
      queues: workers.map((w) => w.taskQueue),
      namespace: config.TEMPORAL_NAMESPACE,
      database: db.embedded ? 'embedded' : 'DATABASE_URL',
      mail: config.SMTP_URL ? 'smtp' : `outbox ${config.outboxDir}`,
    },
    'worker started',
  );
  return workers;
}

function fail(line: string): number {
  process.stderr.write(`${line}\n`);
  return 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`worker: ${oneLine(String((error as Error)?.message ?? error))}\n`);
      process.exit(1);
    },
  );
}
