// `npm start` keeps the workflow bundle under DATA_DIR/cache: built once, reused while the
// sources are unchanged, rebuilt when the stored one cannot be read.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { cachedWorkflowBundle } from '../../worker/workflow-source';

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'bundle-cache-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counts the bundler's entries: it logs each build ("Workflow bundle created"). */
function countingLogger(): Logger & { builds: number } {
  const logger = {
    builds: 0,
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: (message: string) => {
      if (message.startsWith('Workflow bundle created')) logger.builds++;
    },
    warn: () => undefined,
    error: () => undefined,
  };
  return logger;
}

test('built once, then read back unchanged; an unreadable stored bundle is built again', async () => {
  const first = countingLogger();
  const built = await cachedWorkflowBundle(dir, first);
  expect(first.builds).toBe(1);
  const files = readdirSync(dir);
  expect(files).toEqual([expect.stringMatching(/^workflow-bundle-[0-9a-f]{32}\.json$/)]);

  const second = countingLogger();
  const cached = await cachedWorkflowBundle(dir, second);
  expect(second.builds).toBe(0);
  expect(cached.code).toBe(built.code);
  expect(cached.sourceMap).toBe(built.sourceMap);

  writeFileSync(path.join(dir, files[0]!), '{"code":"tru');
  const third = countingLogger();
  const rebuilt = await cachedWorkflowBundle(dir, third);
  expect(third.builds).toBe(1);
  expect(rebuilt.code).toBe(built.code);
  expect(readdirSync(dir)).toEqual(files);
}, 120_000);
