// The benchmark's worker process: the product's real workers (orders and provisioning queues,
// createWorkers) with the real activities (Prisma projection, simulated panel keeping accounts in
// Postgres, emails to the outbox folder), wired like `npm start` does, plus one worker for the
// floor workflows of bench/orders/workflows.ts. A process of its own, so /proc measures its CPU
// apart from the Temporal server's and the embedded Postgres's. Configured by the environment
// (TEMPORAL_ADDRESS, DATABASE_URL, OUTBOX_DIR, ...) and BENCH_FLOOR_TASK_QUEUE; tells the parent
// it is ready over IPC and stops when asked to, or when the bench is gone.
import { Worker } from '@temporalio/worker';
import { activitiesFromConfig } from '../../activities';
import { loadConfig } from '../../config';
import { createLogger } from '../../config/logger';
import { createPrismaClient } from '../../database/prisma-client';
import { connectToTemporal } from '../../worker/connection';
import { installRuntime } from '../../worker/runtime-logger';
import { createWorkers } from '../../worker/workers';
import { stopWhenAskedOrOrphaned } from '../support';
import { floorActivities } from './floor-activities';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const floorTaskQueue = process.env.BENCH_FLOOR_TASK_QUEUE;
  if (!config.DATABASE_URL || !floorTaskQueue) {
    throw new Error('DATABASE_URL and BENCH_FLOOR_TASK_QUEUE are required');
  }
  const log = createLogger('bench-worker', config.LOG_LEVEL, config.LOG_FORMAT);
  installRuntime(log);
  const connection = await connectToTemporal(config);
  const prisma = createPrismaClient(config.DATABASE_URL);
  const { activities, mailer } = activitiesFromConfig(config, prisma, log);
  const workers = (await createWorkers({ connection, config, activities, log })).map((w) => w.worker);
  workers.push(
    await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: floorTaskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities: floorActivities,
    }),
  );

  stopWhenAskedOrOrphaned(() => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const running = Promise.all(workers.map((worker) => worker.run()));
  process.send?.({ ready: true });
  await running;
  mailer.close();
  await prisma.$disconnect();
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
