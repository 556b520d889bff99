// The Temporal UI's static build (ui/, a SvelteKit app over @temporalio/ui), made on demand and
// kept under a key of its inputs: ui/'s own files and its lockfile. A build takes minutes and
// about 280 MB of packages, so it is never part of `npm ci` or the tests; `npm run ui:build` or
// `npm start` (in the background) makes it once, and again only when those inputs change.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { lockWithPidFile } from '../../database/data-dir-lock';

/** The SvelteKit app's folder. */
export const UI_SOURCE_DIR = path.resolve(__dirname, '..', '..', 'ui');

/** Names under ui/ that are outputs or installed packages, never inputs of the build. */
const NOT_INPUTS = new Set(['node_modules', '.svelte-kit', 'build', '.builds']);

/** Where builds are kept, one folder per key: ui/.builds/<key> (UI_CACHE_DIR to move it). */
export function uiCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.UI_CACHE_DIR || path.join(UI_SOURCE_DIR, '.builds'));
}

/** The key of ui/'s current inputs: a hash of every source file's path and content. */
export function uiBuildKey(sourceDir: string = UI_SOURCE_DIR): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (NOT_INPUTS.has(entry.name)) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile()) {
        hash.update(`${path.relative(sourceDir, file)}\0`);
        hash.update(readFileSync(file));
        hash.update('\0');
      }
    }
  };
  walk(sourceDir);
  return hash.digest('hex').slice(0, 16);
}

export interface UiBuild {
  key: string;
  /** The folder served: index.html and _app/. */
  dir: string;
}

/** The build of the current inputs, if it was made. */
export function findUiBuild(env: NodeJS.ProcessEnv = process.env): UiBuild | undefined {
  const key = uiBuildKey();
  const dir = path.join(uiCacheDir(env), key);
  return existsSync(path.join(dir, 'index.html')) ? { key, dir } : undefined;
}

export class UiBuildError extends Error {}

export interface BuildOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the steps' output goes (a log file for a background build, the terminal for ui:build). */
  output: NodeJS.WritableStream;
  /** Aborts the running step (`npm start` stopping while the build runs). */
  signal?: AbortSignal;
}

/**
 * Installs ui/'s packages (`npm ci --prefix ui`, skipped when its lockfile did not change since the
 * last install) and builds into a new folder, renamed to its key only once complete: a build that
 * fails or is stopped leaves nothing a server would serve. Two builds at once are refused (they
 * would install into the same node_modules).
 */
export async function buildUi(options: BuildOptions): Promise<UiBuild> {
  const env = options.env ?? process.env;
  const cacheDir = uiCacheDir(env);
  mkdirSync(cacheDir, { recursive: true });
  const release = lockWithPidFile(
    path.join(cacheDir, '.lock'),
    (owner) => new UiBuildError(`the UI is being built by process ${owner}; wait for it`),
  );
  try {
    const key = uiBuildKey();
    const dir = path.join(cacheDir, key);
    if (existsSync(path.join(dir, 'index.html'))) return { key, dir };
    await installPackages(options);
    const partial = path.join(cacheDir, `.partial-${key}-${process.pid}`);
    rmSync(partial, { recursive: true, force: true });
    await run('npx', ['vite', 'build'], {
      ...options,
      cwd: UI_SOURCE_DIR,
      env: { ...env, UI_BUILD_DIR: partial },
    });
    if (!existsSync(path.join(partial, 'index.html'))) {
      throw new UiBuildError(`the UI build wrote no index.html into ${partial}`);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    // Builds of older inputs are of no further use; a few MB each.
    for (const name of readdirSync(cacheDir)) {
      if (name !== key && name !== '.lock')
        rmSync(path.join(cacheDir, name), { recursive: true, force: true });
    }
    return { key, dir };
  } finally {
    release();
  }
}

/** `npm ci --prefix ui`, unless ui/node_modules was installed from this very lockfile. */
async function installPackages(options: BuildOptions): Promise<void> {
  const lockfile = readFileSync(path.join(UI_SOURCE_DIR, 'package-lock.json'));
  const lockHash = createHash('sha256').update(lockfile).digest('hex');
  const marker = path.join(UI_SOURCE_DIR, 'node_modules', '.installed-lock-hash');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lockHash) return;
  await run('npm', ['ci', '--prefix', UI_SOURCE_DIR, '--no-audit', '--no-fund'], {
    ...options,
    cwd: path.dirname(UI_SOURCE_DIR),
    env: options.env ?? process.env,
  });
  writeFileSync(marker, lockHash);
}

function run(
  command: string,
  args: string[],
  options: BuildOptions & { cwd: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    options.output.write(`$ ${command} ${args.join(' ')}\n`);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: stopping the build stops npm's and vite's children too.
      detached: true,
    });
    child.stdout.pipe(options.output, { end: false });
    child.stderr.pipe(options.output, { end: false });
    const abort = (): void => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      if (code === 0) resolve();
      else reject(new UiBuildError(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** A log file for a background build's output. */
export function openBuildLog(file: string): NodeJS.WritableStream {
  mkdirSync(path.dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'w' });
}
