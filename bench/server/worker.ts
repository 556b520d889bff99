// The benchmark's worker, in its own process so its CPU time is measured apart from the server's
// and the client's. Reports readiness and waiting workflows to the parent over IPC.
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { stopWhenAskedOrOrphaned } from '../support';

async function main(): Promise<void> {
  const [address, taskQueue] = process.argv.slice(2) as [string, string];
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const connection = await NativeConnection.connect({ address });
  let waiting = 0;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: path.join(__dirname, 'workflows.ts'),
    activities: { step: async (n: number) => n + 1 },
    maxCachedWorkflows: 12_000,
    sinks: {
      bench: {
        waiting: {
          fn: () => {
            waiting++;
            if (waiting % 500 === 0) process.send?.({ waiting });
          },
          callDuringReplay: false,
        },
      },
    },
  });
  stopWhenAskedOrOrphaned(() => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const running = worker.run();
  process.send?.({ ready: true });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker: ${String(err)}\n`);
  process.exit(1);
});
