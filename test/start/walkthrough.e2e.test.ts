// The README's walk-through is scripts/walkthrough.sh: run here against `npm start` with the
// `export` lines its banner prints, and its output must be the one the README shows.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnStart, type StartProcess } from './start-process';

const root = path.resolve(__dirname, '..', '..');
let dataDir: string;
let proc: StartProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'walkthrough-e2e-'));
  const port = await freePort();
  let temporalPort = await freePort();
  while (temporalPort === port) temporalPort = await freePort();
  proc = spawnStart({ DATA_DIR: dataDir, PORT: String(port), TEMPORAL_PORT: String(temporalPort) });
  await proc.ready;
}, 180_000);

afterAll(async () => {
  if (proc) {
    proc.signal('SIGTERM');
    await proc.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** The variables of the banner's `  export A=1 B=2` lines, as a person pasting them would get. */
function bannerExports(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [, line] of stdout.matchAll(/^ {2}export (.+)$/gm)) {
    for (const pair of line!.split(' ')) {
      const at = pair.indexOf('=');
      vars[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return vars;
}

/** The README's expected output: the block that follows the `bash scripts/walkthrough.sh` block. */
function readmeOutput(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /```sh\nbash scripts\/walkthrough\.sh\n```\n\nprints:\n\n```text\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no walk-through output block');
  return match[1]!;
}

test('the README walk-through runs as written on npm start and prints what the README shows', async () => {
  const exported = bannerExports(proc!.stdout());
  expect(Object.keys(exported)).toEqual(
    expect.arrayContaining([
      'API',
      'TEMPORAL_ADDRESS',
      'ADMIN',
      'CLIENT',
      'SALES',
      'CUSTOMER',
      'CUSTOMER_ID',
    ]),
  );
  const { stdout } = await promisify(execFile)('bash', ['scripts/walkthrough.sh'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...exported },
    timeout: 240_000,
  });
  expect(stdout).toBe(readmeOutput());
}, 300_000);
