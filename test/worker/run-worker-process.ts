// Runs `worker/main.ts` as its own process (as `npm run worker` does) and collects its output;
// the fixture the worker-process tests share.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DevServer } from '../../devserver/server';
import { searchAttributeNames } from '../../workflows/contract';
import { testDatabaseUrl } from '../setup/database';

const root = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  // As `npm run worker` runs it: one process that receives the signals itself.
  const tsx = path.join(root, 'start', 'register-tsx.mjs');
  const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * The project's Temporal-compatible server in this process, a client on it, and worker processes
 * started against it and the test database; stop() kills what is still running.
 */
export interface WorkerProcessFixture {
  readonly client: Client;
  startWorker(env?: Record<string, string>): WorkerProcess;
  stop(): Promise<void>;
}

export async function startWorkerProcessFixture(env: Record<string, string>): Promise<WorkerProcessFixture> {
  const server = new DevServer({
    searchAttributes: Object.fromEntries(searchAttributeNames.map((name) => [name, 'Keyword'])),
  });
  const { address } = await server.listen();
  const connection = await Connection.connect({ address });
  const workers: WorkerProcess[] = [];
  return {
    client: new Client({ connection }),
    startWorker: (extra = {}) => {
      const worker = spawnWorker({
        TEMPORAL_ADDRESS: address,
        DATABASE_URL: testDatabaseUrl(),
        ...env,
        ...extra,
      });
      workers.push(worker);
      return worker;
    },
    stop: async () => {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await connection.close();
      await server.close();
    },
  };
}
