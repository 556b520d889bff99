// What a process (npm start, the API, a worker) turns on at start: tracing when the OTLP
// variables ask for it, and the product's metrics endpoint on METRICS_PORT when set.
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startMetricsServer } from './metrics-server';
import { startTracing } from './tracing';

export interface ProcessTelemetry {
  /** The metrics endpoint, when METRICS_PORT is set. */
  readonly metricsUrl?: string;
  /** Closes the metrics endpoint and sends the spans still buffered. */
  close(): Promise<void>;
}

export async function startProcessTelemetry(
  config: Pick<Config, 'METRICS_PORT' | 'METRICS_HOST' | 'HOST'>,
  serviceName: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessTelemetry> {
  const tracing = startTracing({ serviceName, env });
  if (tracing.enabled) log.info({ service: serviceName }, 'tracing: spans exported over OTLP');
  let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  if (config.METRICS_PORT !== undefined) {
    try {
      metrics = await startMetricsServer(config.METRICS_PORT, config.METRICS_HOST ?? config.HOST);
    } catch (error) {
      await tracing.shutdown();
      throw new Error(
        `cannot serve metrics on METRICS_PORT=${config.METRICS_PORT}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    log.info({ url: metrics.url }, 'metrics endpoint listening');
  }
  return {
    metricsUrl: metrics?.url,
    close: async () => {
      await metrics?.close();
      await tracing.shutdown();
    },
  };
}
