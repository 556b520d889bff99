// The Temporal UI of `npm start`: served on TEMPORAL_UI_PORT from the cached build of ui/; when
// there is none yet, built in the background (TEMPORAL_UI_BUILD, default on) while the rest of the
// product runs, and served as soon as it is done, without a restart.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { buildUi, findUiBuild, openBuildLog, type UiBuild } from './build-cache';
import { startUiServer, type UiBuildState } from './server';

export interface UiOptions {
  port: number;
  host: string;
  /** Temporal's HTTP API the UI's /api/v1 calls go to. */
  apiTarget: string;
  namespace: string;
  /** Build in the background when there is no build of the current ui/ sources. */
  buildIfMissing: boolean;
  /** Where a background build writes its output. */
  dataDir: string;
  log: Logger;
}

export interface RunningUi {
  url: string;
  /** For the banner: ready, or being built since when and where to follow it, or how to build it. */
  describe(): string;
  /** Stops the server, and a build still running (nothing half-built is kept). */
  close(): Promise<void>;
}

export async function startUi(options: UiOptions): Promise<RunningUi> {
  let build: UiBuild | undefined = findUiBuild();
  let state: UiBuildState = { state: 'not-built' };
  const server = await startUiServer({
    port: options.port,
    host: options.host,
    apiTarget: options.apiTarget,
    namespace: options.namespace,
    // Looked up again while missing: `npm run ui:build` in another terminal is picked up too, and
    // so is the build that replaced ours (a build removes those of older sources).
    build: () => {
      if (build && !existsSync(path.join(build.dir, 'index.html'))) build = undefined;
      return (build ??= findUiBuild());
    },
    buildState: () => state,
    log: options.log,
  });
  const abort = new AbortController();
  let building: Promise<void> | undefined;
  if (!build && options.buildIfMissing) {
    const log = path.join(options.dataDir, 'ui-build.log');
    state = { state: 'building', since: new Date(), log };
    const output = openBuildLog(log);
    options.log.info({ log }, 'building the Temporal UI in the background');
    building = buildUi({ output, signal: abort.signal })
      .then(
        (done) => {
          build = done;
          options.log.info({ url: server.url }, 'Temporal UI built and served');
        },
        (error: unknown) => {
          const message = (error as Error).message;
          state = { state: 'failed', error: message, log };
          if (!abort.signal.aborted)
            options.log.warn({ log }, `the Temporal UI could not be built: ${message}`);
          throw error;
        },
      )
      .finally(() => output.end());
    // The banner and the page report a failure; nothing else waits on it.
    building.catch(() => undefined);
  }
  return {
    url: server.url,
    describe: () => {
      if (build ?? findUiBuild()) return server.url;
      if (state.state === 'building') {
        const ready = new Date(state.since.getTime() + 5 * 60_000);
        return (
          `${server.url} once built: building in the background, ready about ${clock(ready)} ` +
          `(output in ${state.log})`
        );
      }
      if (state.state === 'failed') return `${server.url} once built: the build failed (see ${state.log})`;
      return `${server.url} once built: run npm run ui:build (about 5 minutes)`;
    },
    close: async () => {
      abort.abort();
      await server.close();
      await building?.catch(() => undefined);
    },
  };
}

/** HH:MM in local time, as a terminal user reads a clock. */
function clock(at: Date): string {
  return at.toTimeString().slice(0, 5);
}
