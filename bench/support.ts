// Helpers the benchmarks share: CPU and memory of a child process from /proc, spawning the
// embedded Temporal-compatible server, bounded concurrency and the printed figure lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';

export const root = path.resolve(__dirname, '..');
export const launcher = path.join(root, 'bin', 'temporal-devserver');

/** Node options for a bench's worker process, as the product's entry points run (tsx in its main thread only). */
export const workerExecArgv = ['--import', path.join(root, 'start', 'register-tsx.mjs')];

/**
 * In a bench's worker process: runs `stop` when the bench asks ({ stop: true } over IPC), and also
 * when the bench exited without asking (it failed), rather than poll on and load the machine the
 * next run measures; the bench's server is gone then, so a clean stop gets a short deadline.
 */
export function stopWhenAskedOrOrphaned(stop: () => void): void {
  process.on('message', (m: { stop?: boolean }) => {
    if (m.stop) stop();
  });
  process.on('disconnect', () => {
    stop();
    setTimeout(() => process.exit(1), 5_000).unref();
  });
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s.

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: utime and stime are fields 14 and 15 of stat(5), here 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds per thread of a process so far, keyed `<tid> <thread name>`. */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(`${tid} ${name}`, (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Spawns bin/temporal-devserver with the arguments for a free port and resolves once
 * GetSystemInfo answers, with the elapsed milliseconds.
 */
export async function spawnServer(
  args: (port: number) => string[] = (port) => [String(port)],
  stderr: 'inherit' | 'pipe' = 'inherit',
): Promise<{ child: ChildProcess; port: number; readyMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(launcher, args(port), { stdio: ['ignore', 'ignore', stderr] });
  // Wait for the port with plain TCP probes first: a gRPC channel that meets a refused connection
  // backs off for about a second before retrying, which would be measured as start-up time.
  while (!(await acceptsConnections(port))) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  for (;;) {
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      const readyMs = performance.now() - t0;
      await connection.close();
      return { child, port, readyMs };
    } catch {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs run(0..total-1) with at most `concurrency` calls in flight. */
export async function inBatches(
  total: number,
  concurrency: number,
  run: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await run(next++);
    }),
  );
}

/** A positive integer from the environment, or the default; anything else is a clear error. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}

/** Prints one figure line: label, value, and the target when there is one. */
export function report(label: string, value: string, target = ''): void {
  console.log(`${label.padEnd(58)} ${value.padStart(12)}${target ? `   (target ${target})` : ''}`);
}
