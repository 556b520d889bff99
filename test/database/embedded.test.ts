// The embedded Postgres as `npm start` uses it (openDatabase without DATABASE_URL), exercised in
// child processes because PGlite cannot load inside jest's sandbox: it starts in a data folder,
// migrates, serves several Prisma clients at once, keeps its data across restarts, and closes
// without leaving handles open (the child exits by itself).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isEmbeddedUrl } from '../../database/embedded-postgres';
import { MIGRATIONS_DIR } from '../../prisma/migrate';

const ROOT = path.resolve(__dirname, '..', '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'orders-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function runFixture(phase: 'write' | 'read') {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'embedded-roundtrip.ts'), dataDir, phase],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0)
    throw new Error(`fixture ${phase} exited ${run.status} ${run.signal ?? ''}:\n${run.stderr}`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as { embedded: boolean; url: string; applied: string[]; names: string[] };
}

const migrationNames = () =>
  readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

const expectedNames = [0, 1, 2, 3].flatMap((i) => [1, 2, 3].map((n) => `c${i}-${n}`)).sort();

describe('embedded Postgres (openDatabase without DATABASE_URL)', () => {
  it('starts in a data folder, migrates, serves four concurrent clients, and exits cleanly', () => {
    const out = runFixture('write');
    expect(out.embedded).toBe(true);
    expect(isEmbeddedUrl(out.url)).toBe(true);
    expect(new URL(out.url).hostname).toBe('127.0.0.1');
    expect(out.applied).toEqual(migrationNames());
    expect(out.names).toEqual(expectedNames);
  }, 150_000);

  it('keeps its data across a restart and has nothing left to migrate', () => {
    const out = runFixture('read');
    expect(out.applied).toEqual([]);
    expect(out.names).toEqual(expectedNames);
  }, 150_000);
});
