// One reading of the environment for every process (API, worker, `npm start`), validated once so
// a typo fails at start with a message naming the variable instead of misbehaving later.
import path from 'node:path';
import { z } from 'zod';

const boolean = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The API's bind address: this machine only unless told otherwise (0.0.0.0 in a container). */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_PORT: z.coerce.number().int().min(0).max(65535).default(7233),
  /**
   * Temporal's HTTP API of the embedded server (the JSON routes under /api/v1 the Temporal UI
   * calls), on 7243 as a Temporal frontend; 0 picks a free port.
   */
  TEMPORAL_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(7243),
  /**
   * The embedded Temporal server keeps its workflows in DATA_DIR/temporal.db (on by default: open
   * orders survive a restart); false keeps them in memory only.
   */
  TEMPORAL_PERSIST: boolean.default(true),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** The Temporal UI of `npm start` (embedded Temporal only), on this port like the Temporal CLI's. */
  TEMPORAL_UI: boolean.default(true),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(0).max(65535).default(8233),
  /** When the UI is not built yet, `npm start` builds it in the background (false: `npm run ui:build`). */
  TEMPORAL_UI_BUILD: boolean.default(true),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: boolean.optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  ORDERS_TASK_QUEUE: z.string().min(1).default('orders'),
  PROVISIONING_TASK_QUEUE: z.string().min(1).default('provisioning'),
  WORKER_TASK_QUEUES: z.string().min(1).default('orders,provisioning'),
  PROVISIONING_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /** Concurrent projection and email activities per `orders` worker (the SDK's default). */
  ORDERS_ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).default(100),
  /**
   * Order workflows kept in the worker's memory between their tasks; an evicted one is replayed
   * from its history at its next task. Each cached checkout order holds about 1.6 MB (bench/orders:
   * 728 MB RSS with 50 cached, 2,259 MB with 1,000, 2,500 orders open); the SDK's default grows
   * with the heap limit and let a worker reach 4.5 GB with 10,000 open orders. 0 disables the cache.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || n >= 2, 'must be 0 (no cache) or at least 2')
    .default(250),
  /** Workflow tasks one `orders` worker runs at once (the SDK's default; at most the cache size). */
  WORKFLOW_TASK_CONCURRENCY: z.coerce.number().int().min(2).default(40),
  /** How long a stopping worker lets running activities finish before cancelling them. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * How long after the stop request a worker gives up on activities that ignore the cancellation
   * and stops anyway (the SDK's shutdownForceTime); above the grace time. Default: grace + 10 s.
   */
  WORKER_SHUTDOWN_FORCE_MS: z.coerce.number().int().min(1).optional(),
  /** Comma-separated product ids the simulated panel refuses (failure injection). */
  PROVISIONER_FAIL_PRODUCTS: z.string().default(''),
  /** Simulated panel latency per call, in milliseconds. */
  PROVISIONER_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  // Checked by scheme and host: a bare `host:port` parses as a URL of scheme `host:` and
  // nodemailer would then read a mangled host out of it.
  SMTP_URL: z
    .string()
    .refine(
      isSmtpUrl,
      'must be an smtp:// or smtps:// URL with a host, e.g. smtp://user:password@mail.example.com:587',
    )
    .optional(),
  MAIL_FROM: z.string().min(3).default('Orders <orders@localhost>'),
  /**
   * The API's address as its users reach it (behind a proxy, say), written into the emails' API
   * calls and order links. Unset: http://HOST:PORT (localhost for a wildcard HOST).
   */
  PUBLIC_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  OUTBOX_DIR: z.string().min(1).optional(),
  /** Recipient of the admin notices (`{ admins: true }`). */
  ADMIN_EMAIL: z.email().default('admin@localhost.localdomain'),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16).optional(),
  /**
   * The process's Prometheus endpoint (GET /metrics: the product's metrics); unset: none. Apart
   * from PORT, so the API's port never exposes it.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Bind address of the metrics endpoints; HOST by default. */
  METRICS_HOST: z.string().trim().min(1).optional(),
  /**
   * The Temporal worker runtime's own Prometheus exporter (task slots, pollers, sticky cache,
   * latencies), in processes that run workers; METRICS_PORT + 1 by default when METRICS_PORT is set.
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (readable lines) or `json`; unset: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
});

/**
 * Shutdown force time when WORKER_SHUTDOWN_FORCE_MS is unset: this long after the grace time,
 * enough for cancelled activities to settle and, with the default grace, under the compose
 * worker's stop_grace_period (45 s), so the process exits before it is killed.
 */
const DEFAULT_SHUTDOWN_FORCE_AFTER_GRACE_MS = 10_000;

/** WORKER_SHUTDOWN_FORCE_MS as set, or its default after the grace time. */
export function shutdownForceMs(c: {
  WORKER_SHUTDOWN_GRACE_MS: number;
  WORKER_SHUTDOWN_FORCE_MS?: number;
}): number {
  return c.WORKER_SHUTDOWN_FORCE_MS ?? c.WORKER_SHUTDOWN_GRACE_MS + DEFAULT_SHUTDOWN_FORCE_AFTER_GRACE_MS;
}

/**
 * The port of the worker runtime's Prometheus exporter: WORKER_METRICS_PORT, else the one after
 * METRICS_PORT; none without either (or with METRICS_PORT=0, a port chosen at random).
 */
export function workerMetricsPort(c: {
  METRICS_PORT?: number;
  WORKER_METRICS_PORT?: number;
}): number | undefined {
  if (c.WORKER_METRICS_PORT !== undefined) return c.WORKER_METRICS_PORT;
  return c.METRICS_PORT ? c.METRICS_PORT + 1 : undefined;
}

export type Config = z.infer<typeof schema> & {
  outboxDir: string;
  WORKER_SHUTDOWN_FORCE_MS: number;
  /** PUBLIC_API_URL without its trailing slash, or its default; none when PORT is 0 (any port). */
  publicApiUrl?: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings (e.g. `FOO=` in a compose file) mean "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const contradictions = crossChecks(c);
  if (contradictions.length > 0) {
    throw new ConfigError(`invalid configuration:\n${contradictions.map((line) => `  ${line}`).join('\n')}`);
  }
  return {
    ...c,
    WORKER_SHUTDOWN_FORCE_MS: shutdownForceMs(c),
    outboxDir: c.OUTBOX_DIR ?? path.join(c.DATA_DIR, 'outbox'),
    publicApiUrl: publicApiUrl(c),
  };
}

function publicApiUrl(c: { PUBLIC_API_URL?: string; HOST: string; PORT: number }): string | undefined {
  if (c.PUBLIC_API_URL) return c.PUBLIC_API_URL.replace(/\/+$/, '');
  if (c.PORT === 0) return undefined;
  const host = ['0.0.0.0', '::'].includes(c.HOST)
    ? 'localhost'
    : c.HOST.includes(':')
      ? `[${c.HOST}]`
      : c.HOST;
  return `http://${host}:${c.PORT}`;
}

/** Settings each valid alone but not together, as `VARIABLE: why` lines. */
function crossChecks(c: z.infer<typeof schema>): string[] {
  const lines: string[] = [];
  if (c.ORDERS_TASK_QUEUE === c.PROVISIONING_TASK_QUEUE) {
    // Two workers with different activities on one queue would each get the other's tasks.
    lines.push(
      `PROVISIONING_TASK_QUEUE: must differ from ORDERS_TASK_QUEUE (both are "${c.ORDERS_TASK_QUEUE}")`,
    );
  }
  if (c.TEMPORAL_TLS === false && c.TEMPORAL_API_KEY !== undefined) {
    lines.push('TEMPORAL_TLS: is false but TEMPORAL_API_KEY is set, and an API key is only sent over TLS');
  }
  if (c.TEMPORAL_TLS === false) {
    const tlsPaths = [
      'TEMPORAL_TLS_CERT_PATH',
      'TEMPORAL_TLS_KEY_PATH',
      'TEMPORAL_TLS_CA_PATH',
      'TEMPORAL_TLS_SERVER_NAME',
    ] as const;
    const given = tlsPaths.filter((name) => c[name] !== undefined);
    if (given.length > 0) {
      lines.push(
        `TEMPORAL_TLS: is false but ${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set: unset one or the other`,
      );
    }
  }
  const runtimeMetrics = workerMetricsPort(c);
  if (c.METRICS_PORT !== undefined && c.METRICS_PORT !== 0 && c.METRICS_PORT === c.PORT) {
    lines.push(`METRICS_PORT: must differ from PORT (both are ${c.PORT})`);
  }
  if (runtimeMetrics !== undefined && (runtimeMetrics === c.PORT || runtimeMetrics === c.METRICS_PORT)) {
    lines.push(
      `WORKER_METRICS_PORT: ${runtimeMetrics} is taken by PORT or METRICS_PORT: the worker runtime's exporter needs a port of its own`,
    );
  }
  if (c.WORKER_SHUTDOWN_FORCE_MS !== undefined && c.WORKER_SHUTDOWN_FORCE_MS <= c.WORKER_SHUTDOWN_GRACE_MS) {
    lines.push(
      `WORKER_SHUTDOWN_FORCE_MS: must be greater than WORKER_SHUTDOWN_GRACE_MS (${c.WORKER_SHUTDOWN_GRACE_MS}), ` +
        'or running activities never get their grace time',
    );
  }
  return lines;
}

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}
