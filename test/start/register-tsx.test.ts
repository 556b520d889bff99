// start/register-tsx.mjs, the `--import` of every entry point: tsx (and with it Node's source-map
// support) in the main thread, not in the worker threads the process starts, such as the Temporal
// SDK's workflow threads. `--import tsx` puts it in every thread, which the probe must see too.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

function probe(preload: string): { main: boolean; thread: boolean } {
  const run = spawnSync(
    process.execPath,
    ['--import', preload, path.join(__dirname, 'fixtures', 'tsx-threads.ts')],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`probe exited ${run.status}:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as { main: boolean; thread: boolean };
}

it('loads tsx in the main thread only', () => {
  expect(probe('./start/register-tsx.mjs')).toEqual({ main: true, thread: false });
});

it('unlike --import tsx, which reaches every worker thread', () => {
  expect(probe('tsx')).toEqual({ main: true, thread: true });
});
