// The product's own metrics (prom-client), one registry per process, served on METRICS_PORT by
// metrics-server.ts. The Temporal worker runtime's metrics (task slots, poll latency, sticky
// cache, ...) come from the SDK's own Prometheus exporter on WORKER_METRICS_PORT (runtime.ts).
//
// Counters are counted where the fact is known for sure: orders created and API refusals in the
// API, transitions, activity outcomes, emails and provisioning in the worker (activity-metrics.ts).
// Prometheus sums them over processes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Latency buckets for activities and HTTP requests, in seconds (5 ms to 1 min). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const ordersCreated = new Counter({
  name: 'orders_created_total',
  help: 'Orders placed through POST /orders, by kind (checkout, service, sales)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const orderTransitions = new Counter({
  name: 'orders_transitions_total',
  help: 'Accepted order transitions written to the projection, by kind and the status reached',
  labelNames: ['kind', 'status'] as const,
  registers: [registry],
});

export const refusals = new Counter({
  name: 'orders_refusals_total',
  help:
    'Refused requests, by where they were refused (api: problem+json answer, workflow: refused ' +
    'transition) and code (the domain refusal code, or http_<status>)',
  labelNames: ['source', 'code'] as const,
  registers: [registry],
});

export const activityExecutions = new Counter({
  name: 'orders_activity_executions_total',
  help: 'Activity attempts run by this worker, by activity type, task queue and outcome',
  labelNames: ['activity', 'task_queue', 'outcome'] as const,
  registers: [registry],
});

export const activityDuration = new Histogram({
  name: 'orders_activity_duration_seconds',
  help: 'Time of one activity attempt, by activity type and outcome',
  labelNames: ['activity', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const provisioningAttempts = new Counter({
  name: 'orders_provisioning_attempts_total',
  help: 'Calls to the provisioning panel (createAccount, activateProduct), by outcome',
  labelNames: ['activity', 'outcome'] as const,
  registers: [registry],
});

export const emailsSent = new Counter({
  name: 'orders_emails_sent_total',
  help: 'Emails sent, by template (an email already sent before is not counted again)',
  labelNames: ['template'] as const,
  registers: [registry],
});

export const emailsFailed = new Counter({
  name: 'orders_emails_failed_total',
  help: 'Attempts to send an email that failed (retried by Temporal), by template',
  labelNames: ['template'] as const,
  registers: [registry],
});

export const projectionLag = new Histogram({
  name: 'orders_projection_lag_seconds',
  help: 'From a transition in the workflow to its projection stored in Postgres',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const projectionsFailed = new Counter({
  name: 'orders_projection_failed_total',
  help: 'Projections given up for good (recorded in projection_failures), by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests served by the API, by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

/**
 * Orders whose projection is failed now (rows of projection_failures), read at each scrape by the
 * process that registered the reader (the API). One reader: a second process would double it.
 */
export function registerFailedProjectionsGauge(count: () => Promise<number>): void {
  if (registry.getSingleMetric('orders_projection_failed_orders')) return;
  new Gauge({
    name: 'orders_projection_failed_orders',
    help: 'Orders whose last projection failed for good (rows in projection_failures)',
    registers: [registry],
    async collect() {
      // A scrape during a database outage still answers, without this gauge's value.
      const value = await count().catch(() => undefined);
      if (value !== undefined) this.set(value);
    },
  });
}
