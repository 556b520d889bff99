// Temporal's logs (the SDK's and, forwarded, its Rust core's) go through the process's pino
// logger, so a worker writes one JSON log stream.
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { workerMetricsPort, type Config } from '../config';

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const pinoLevel: Record<LogLevel, PinoLevel> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * SDK messages about a setup that is ours by design, logged at debug: the provisioning worker
 * runs activities only, and said so as a warning at every start.
 */
const expectedMessages = new Set(['No workflows registered, not polling for workflow tasks']);

export class PinoTemporalLogger implements TemporalLogger {
  constructor(
    private readonly pino: Logger,
    private readonly levels: Record<LogLevel, PinoLevel> = pinoLevel,
  ) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const to = expectedMessages.has(message) ? 'debug' : this.levels[level];
    this.pino[to](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * For the workflow bundler, whose info entries are webpack's whole build report: at debug, so a
 * start shows one line, not a screenful; its warnings and errors stay.
 */
export function bundlerLogger(log: Logger): TemporalLogger {
  return new PinoTemporalLogger(log.child({ component: 'workflow-bundler' }), {
    ...pinoLevel,
    INFO: 'debug',
  });
}

/**
 * Installs the process's Temporal Runtime with the pino bridge. Once per process, before any
 * connection; shutdown signals are left to the caller (worker/main.ts) so it can log and clean up.
 * With `metricsBindAddress` (host:port) the runtime serves its own metrics there for Prometheus
 * (the SDK's exporter: worker task slots, pollers, sticky cache, task latencies), `temporal_`-prefixed.
 */
export function installRuntime(log: Logger, metricsBindAddress?: string): Runtime {
  return Runtime.install({
    logger: new PinoTemporalLogger(log),
    shutdownSignals: [],
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(metricsBindAddress ? { metrics: { prometheus: { bindAddress: metricsBindAddress } } } : {}),
    },
  });
}

/** host:port of the runtime's exporter (an IPv6 host in brackets), or none (config: workerMetricsPort). */
export function runtimeMetricsAddress(
  config: Pick<Config, 'HOST' | 'METRICS_HOST' | 'METRICS_PORT' | 'WORKER_METRICS_PORT'>,
): string | undefined {
  const port = workerMetricsPort(config);
  if (port === undefined) return undefined;
  const host = config.METRICS_HOST ?? config.HOST;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
