// Runs `npm start` (which execs `node --import ./start/register-tsx.mjs start/main.ts`) in a
// process group of its own, as a terminal would, and reads what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { demoKeyVariable } from '../../start/banner';
import { DEMO_ROLES } from '../../start/seed';

const root = path.resolve(__dirname, '..', '..');

/** Printed last once everything is up (start/banner.ts). */
export const READY_LINE = 'Ctrl-C stops everything.';

/** Variables of the test runner that would point the process at other services. */
const INHERITED_SETTINGS = [
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'SMTP_URL',
  'OUTBOX_DIR',
  'PORT',
  'TEMPORAL_PORT',
  'TEMPORAL_HTTP_PORT',
  'DATA_DIR',
  'BOOTSTRAP_ADMIN_KEY',
  'NODE_OPTIONS',
  // npm's own settings of the outer `npm test` (e.g. its log level) are not passed down
  'npm_config_loglevel',
];

export interface StartProcess {
  child: ChildProcess;
  /** `kill <pid>` (npm passes it on), or Ctrl-C: SIGINT to the whole process group. */
  signal(signal: 'SIGTERM' | 'SIGINT'): void;
  /** Ends npm and the application at once (cleanup after a failed test). */
  kill(): void;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the ready line is printed; rejects if the process exits first. */
  ready: Promise<void>;
}

export function spawnStart(env: Record<string, string>): StartProcess {
  const base = { ...process.env };
  for (const name of INHERITED_SETTINGS) delete base[name];
  // --silent: npm prints nothing of its own, so stdout and stderr are the application's.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    // The HTTP API on any free port unless a test names one (7243 may be taken by another run).
    env: { ...base, LOG_LEVEL: 'warn', TEMPORAL_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  let onExitEarly: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onExitEarly = reject;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes(READY_LINE)) onReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      onExitEarly(
        new Error(`npm start exited (code ${code}, signal ${signal}) before it was ready:\n${err}`),
      );
      resolve({ code, signal });
    }),
  );
  const group = -child.pid!;
  return {
    child,
    signal: (signal) => (signal === 'SIGINT' ? process.kill(group, 'SIGINT') : child.kill('SIGTERM')),
    kill: () => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    stdout: () => out,
    stderr: () => err,
    exited,
    ready,
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrintedKey {
  role: string;
  key: string;
  subjectId: string | null;
}

/** The demo keys of the banner: `  export <VAR>=<key>[ <VAR>_ID=<party id>]`, by role. */
export function printedDemoKeys(stdout: string): Map<string, PrintedKey> {
  const roleOf = new Map(DEMO_ROLES.map((role) => [demoKeyVariable(role), role]));
  const keys = new Map<string, PrintedKey>();
  for (const match of stdout.matchAll(/^ {2}export ([A-Z]+)=(ok_[A-Za-z0-9_-]+)(?: [A-Z]+_ID=(\S+))?$/gm)) {
    const role = roleOf.get(match[1]!);
    if (role) keys.set(role, { role, key: match[2]!, subjectId: match[3] ?? null });
  }
  return keys;
}
