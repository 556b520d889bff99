/**
 * Command-line arguments of bin/temporal-devserver, in the two forms the official testing API
 * launches with `existing-path`:
 *   temporal-devserver PORT [extra args]                     (time-skipping test server form)
 *   temporal-devserver server start-dev --port P --ip IP ... (Temporal CLI dev server form)
 * Unknown flags produce warnings, never an error.
 */
export interface CliOptions {
  form: 'test-server' | 'start-dev';
  port: number;
  host: string;
  namespace: string;
  logLevel: string;
  searchAttributes: string[];
  dynamicConfig: string[];
  /**
   * --http-port (start-dev form): serve Temporal's HTTP API there. Off when not given, as in
   * Temporal's CLI; the test-server form has no HTTP API.
   */
  httpPort?: number;
  /** --db-filename / -f: the file the server keeps its state in (none: in memory, as Temporal's CLI). */
  dbFilename?: string;
  warnings: string[];
}

/** Flags that take a value (given as `--flag value` or `--flag=value`). */
const VALUE_FLAGS = new Set([
  'port',
  'ip',
  'namespace',
  'n',
  'log-format',
  'log-level',
  'dynamic-config-value',
  'db-filename',
  'f',
  'ui-port',
  'ui-ip',
  'ui-public-path',
  'http-port',
  'metrics-port',
  'search-attribute',
  'log-config',
  'sqlite-pragma',
  'config-file',
]);
const BOOLEAN_FLAGS = new Set(['headless', 'ui-asset-path']);

export class CliError extends Error {}

export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = {
    form: 'test-server',
    port: 7233,
    host: '127.0.0.1',
    namespace: 'default',
    logLevel: 'warn',
    searchAttributes: [],
    dynamicConfig: [],
    warnings: [],
  };
  let args = [...argv];
  if (args[0] === 'server' && args[1] === 'start-dev') {
    opts.form = 'start-dev';
    args = args.slice(2);
  } else if (args[0] !== undefined && /^\d+$/.test(args[0])) {
    opts.port = parsePort(args[0]);
    args = args.slice(1);
  } else if (args[0] !== undefined && !args[0].startsWith('-')) {
    throw new CliError(
      `unexpected argument "${args[0]}". Usage: temporal-devserver PORT [flags] | temporal-devserver server start-dev --port P [flags]`,
    );
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      opts.warnings.push(`ignoring unexpected argument "${arg}"`);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (BOOLEAN_FLAGS.has(name)) continue;
    if (!VALUE_FLAGS.has(name)) {
      // An unknown flag: skip its value too when the next argument does not look like a flag.
      if (value === undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) i++;
      opts.warnings.push(`ignoring unknown flag "${arg}"`);
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new CliError(`flag --${name} needs a value`);
    }
    switch (name) {
      case 'port':
        opts.port = parsePort(value);
        break;
      case 'ip':
        opts.host = value;
        break;
      case 'namespace':
      case 'n':
        opts.namespace = value;
        break;
      case 'log-level':
        opts.logLevel = value;
        break;
      case 'search-attribute':
        opts.searchAttributes.push(value);
        break;
      case 'dynamic-config-value':
        opts.dynamicConfig.push(value);
        break;
      case 'http-port':
        if (opts.form === 'start-dev') opts.httpPort = parsePort(value);
        else opts.warnings.push('ignoring --http-port: the test-server form has no HTTP API');
        break;
      case 'db-filename':
      case 'f':
        if (!value) throw new CliError(`flag --${name} needs a file name`);
        opts.dbFilename = value;
        break;
      default:
        // Accepted for compatibility (UI, log format...): this server has no UI.
        break;
    }
  }
  return opts;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`invalid port "${text}"`);
  return port;
}
