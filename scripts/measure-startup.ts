// `npm run measure:startup`: how long `npm start` takes to be ready, cold (a fresh DATA_DIR: new
// embedded Postgres, workflow bundle built) and warm (the same DATA_DIR again: bundle cached).
// Targets on a 2-core machine: cold < 30 s, warm < 8 s. A measurement, not a test: it depends on
// the machine and its load, so it prints figures and never fails on them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const READY = 'Ctrl-C stops everything.';
const root = path.resolve(__dirname, '..');

/** Seconds from spawn to the banner's last line; the process is then stopped with SIGINT. */
function timeToReady(dataDir: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', './start/register-tsx.mjs', 'start/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_PORT: String(port + 1),
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let seconds: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (seconds === undefined && out.includes(READY)) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('exit', (code) =>
      seconds === undefined
        ? reject(new Error(`npm start exited (${code}) before ready:\n${out}`))
        : resolve(seconds),
    );
  });
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3900);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'measure-startup-'));
  try {
    const cold = await timeToReady(dataDir, port);
    const warm = await timeToReady(dataDir, port);
    console.log(
      `npm start to ready: cold ${cold.toFixed(1)} s (target < 30 s), warm ${warm.toFixed(1)} s (target < 8 s)`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
