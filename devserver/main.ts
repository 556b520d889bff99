import { CliError, parseArgs } from './cli';
import { DynamicConfigError, parseDynamicConfigFlags } from './dynamicConfig';
import { DevServer } from './server';
import { SearchAttributeRegistry } from './visibility/searchAttributes';

/** Entry point of bin/temporal-devserver. */
async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dynamicConfig = parseDynamicConfigFlags(opts.dynamicConfig);
  for (const w of [...opts.warnings, ...dynamicConfig.warnings])
    process.stderr.write(`temporal-devserver: warning: ${w}\n`);
  const registry = SearchAttributeRegistry.fromCliFlags(opts.searchAttributes);
  const searchAttributes = Object.fromEntries(registry.definitions('custom').map((d) => [d.name, d.type]));
  const verbose = /^(debug|info)$/i.test(opts.logLevel);
  const server = new DevServer({
    port: opts.port,
    httpPort: opts.httpPort,
    host: opts.host,
    namespace: opts.namespace,
    searchAttributes,
    dynamicConfig: dynamicConfig.values,
    dbFilename: opts.dbFilename,
    // Running on without durability would lose acknowledged work: stop, the file is left whole.
    onPersistenceFailure: (error) => {
      process.stderr.write(`temporal-devserver: ${error.message}; stopping\n`);
      process.exit(1);
    },
    log: (line) => process.stderr.write(`temporal-devserver: ${line}\n`),
  });
  const { address, httpPort } = await server.listen();
  if (verbose) {
    const state = opts.dbFilename ? `state in ${opts.dbFilename}` : 'state in memory';
    const http = httpPort === undefined ? '' : `, HTTP API on ${opts.host}:${httpPort}`;
    process.stderr.write(`temporal-devserver: ${opts.form} listening on ${address}${http} (${state})\n`);
  }

  const stop = () => {
    void server.close().finally(() => {
      const summary = server.persistenceSummary();
      if (verbose && summary) process.stderr.write(`temporal-devserver: ${summary}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Nothing kills this process if its parent dies (the SDK tears down with SIGKILL of this pid
  // only): exit when the parent is gone.
  const parent = Number(process.env.TEMPORAL_DEVSERVER_PARENT_PID) || process.ppid;
  // Started by init (pid 1) on purpose, e.g. as a container's command: nothing to watch.
  if (parent <= 1) return;
  setInterval(() => {
    let alive = process.ppid === parent;
    if (alive) {
      try {
        process.kill(parent, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) stop();
  }, 500).unref();
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`temporal-devserver: ${message}\n`);
  process.exit(err instanceof CliError || err instanceof DynamicConfigError ? 2 : 1);
});
