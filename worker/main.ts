// `npm run worker`: the worker process. Connects to Temporal first (so a wrong address fails in
// a second with one clear line, before any database work), then opens the database, builds the
// activities and runs the workers of WORKER_TASK_QUEUES until SIGTERM or SIGINT, when it stops
// polling, lets running activities finish (WORKER_SHUTDOWN_GRACE_MS) and exits 0.
//
// Exit codes: 0 after a graceful stop, 1 when it cannot start (configuration, Temporal, database)
// or a worker fails, 130 on a second signal during shutdown.
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { activitiesFromConfig } from '../activities';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../config/logger';
import { openDatabase, type Database } from '../database/open-database';
import { createPrismaClient } from '../database/prisma-client';
import { migrate } from '../prisma/migrate';
import { connectToTemporal, oneLine } from './connection';
import { installRuntime } from './runtime-logger';
import { createWorkers, type QueueWorker } from './workers';

/** A failure to start, reported as one line on stderr. */
class StartupError extends Error {}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    return fail(`worker: ${oneLine((error as Error).message)}`);
  }
  const log = createLogger('worker', config.LOG_LEVEL);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => log.warn({ err: error }, 'cleanup step failed'));
    }
  };

  let workers: QueueWorker[];
  try {
    installRuntime(log);
    const connection = await connectToTemporal(config).catch((error: unknown) => {
      throw new StartupError((error as Error).message);
    });
    cleanups.push(() => connection.close());
    workers = await startWorkers(config, connection, log, cleanups);
  } catch (error) {
    await cleanup();
    const message =
      error instanceof StartupError ? error.message : `cannot start: ${(error as Error).message}`;
    return fail(`worker: ${oneLine(message)}`);
  }

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
    log.info({ signal, graceMs: config.WORKER_SHUTDOWN_GRACE_MS }, 'stopping: finishing running activities');
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const results = await Promise.allSettled(
    workers.map(async ({ worker }) => {
      try {
        await worker.run();
      } finally {
        // One worker failing stops the others: the process is restarted as a whole.
        for (const other of workers) if (other.worker.getState() === 'RUNNING') other.worker.shutdown();
      }
    }),
  );
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  await cleanup();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    log.error({ err: failed.reason }, 'worker failed');
    return fail(`worker: failed: ${oneLine(String((failed.reason as Error)?.message ?? failed.reason))}`);
  }
  log.info('stopped');
  return 0;
}

async function startWorkers(
  config: Config,
  connection: NativeConnection,
  log: Logger,
  cleanups: (() => Promise<unknown> | unknown)[],
): Promise<QueueWorker[]> {
  let db: Database;
  try {
    db = await openDatabase({ url: config.DATABASE_URL, dataDir: `${config.DATA_DIR}/pg` });
  } catch (error) {
    throw new StartupError(`cannot open the database: ${(error as Error).message}`);
  }
  cleanups.push(() => db.close());
  try {
    // Idempotent and locked: safe when the API process migrates at the same time.
    await migrate(db.url, { log: (message) => log.info(message) });
  } catch (error) {
    throw new StartupError(`cannot migrate the database: ${(error as Error).message}`);
  }
  const prisma = createPrismaClient(db.url);
  cleanups.push(() => prisma.$disconnect());
  const { activities, mailer } = activitiesFromConfig(config, prisma, log);
  cleanups.push(() => mailer.close());
  const workers = await createWorkers({ connection, config, activities, log });
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
