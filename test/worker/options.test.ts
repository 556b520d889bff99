// The worker's configuration as Temporal options: address, TLS and API key, queue selection, the
// pino bridge for Temporal's logs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../config';
import { connectionOptions, temporalAddress } from '../../worker/connection';
import { PinoTemporalLogger } from '../../worker/runtime-logger';
import { ordersWorkerLimits, selectQueueRoles } from '../../worker/workers';

describe('connectionOptions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orders-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key'])
      writeFileSync(path.join(dir, name), `contents of ${name}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a local server: plain connection to TEMPORAL_PORT on loopback', () => {
    const config = loadConfig({ TEMPORAL_PORT: '7300' });
    expect(temporalAddress(config)).toBe('127.0.0.1:7300');
    expect(connectionOptions(config)).toEqual({ address: '127.0.0.1:7300' });
  });

  test('mTLS with a CA and a server name', () => {
    const options = connectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: 'orders.tmprl.cloud:7233',
        TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
        TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'orders.internal',
      }),
    );
    expect(options.address).toBe('orders.tmprl.cloud:7233');
    expect(options.tls).toEqual({
      serverNameOverride: 'orders.internal',
      serverRootCACertificate: Buffer.from('contents of ca.pem'),
      clientCertPair: {
        crt: Buffer.from('contents of client.pem'),
        key: Buffer.from('contents of client.key'),
      },
    });
    expect(options.apiKey).toBeUndefined();
  });

  test('an API key turns TLS on (Temporal Cloud)', () => {
    const options = connectionOptions(
      loadConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'secret-key' }),
    );
    expect(options.apiKey).toBe('secret-key');
    expect(options.tls).toEqual({
      serverNameOverride: undefined,
      serverRootCACertificate: undefined,
      clientCertPair: undefined,
    });
  });

  test('TEMPORAL_TLS=true alone uses the system roots', () => {
    expect(connectionOptions(loadConfig({ TEMPORAL_TLS: 'true' })).tls).toBeDefined();
  });

  test('refuses half a certificate pair, unreadable files and an API key without TLS', () => {
    expect(() =>
      connectionOptions(loadConfig({ TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem') })),
    ).toThrow('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
    expect(() =>
      connectionOptions(loadConfig({ TEMPORAL_TLS_CA_PATH: path.join(dir, 'missing.pem') })),
    ).toThrow(/TEMPORAL_TLS_CA_PATH: cannot read .*missing\.pem/);
    expect(() => connectionOptions(loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }))).toThrow(
      ConfigError,
    );
  });
});

describe('selectQueueRoles', () => {
  test('both queues by default; by role or by configured queue name', () => {
    expect(selectQueueRoles(loadConfig({}))).toEqual(['orders', 'provisioning']);
    expect(selectQueueRoles(loadConfig({ WORKER_TASK_QUEUES: 'provisioning' }))).toEqual(['provisioning']);
    expect(
      selectQueueRoles(
        loadConfig({
          ORDERS_TASK_QUEUE: 'orders-eu',
          PROVISIONING_TASK_QUEUE: 'panel-eu',
          WORKER_TASK_QUEUES: ' orders-eu , ',
        }),
      ),
    ).toEqual(['orders']);
  });

  test('an unknown or empty selection is a configuration error', () => {
    expect(() => selectQueueRoles(loadConfig({ WORKER_TASK_QUEUES: 'orders,billing' }))).toThrow(
      'WORKER_TASK_QUEUES: unknown queue "billing"',
    );
    expect(() => selectQueueRoles(loadConfig({ WORKER_TASK_QUEUES: ' , ' }))).toThrow('names no task queue');
  });
});

describe('PinoTemporalLogger', () => {
  test('writes Temporal log records through pino with their level and metadata', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = new PinoTemporalLogger(pino({ level: 'debug' }, sink));
    logger.warn('activity slow', { taskQueue: 'orders' });
    logger.log('ERROR', 'worker failed');
    logger.trace('below the level');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'activity slow', taskQueue: 'orders' }),
      expect.objectContaining({ level: 50, msg: 'worker failed' }),
    ]);
  });
});

describe('ordersWorkerLimits', () => {
  test('defaults: a bounded workflow cache instead of the SDK heap-sized one', () => {
    expect(ordersWorkerLimits(loadConfig({}))).toEqual({
      maxCachedWorkflows: 250,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentActivityTaskExecutions: 100,
    });
  });

  test('from the environment; task concurrency never exceeds the cache', () => {
    const config = loadConfig({
      WORKER_MAX_CACHED_WORKFLOWS: '10',
      WORKFLOW_TASK_CONCURRENCY: '50',
      ORDERS_ACTIVITY_CONCURRENCY: '8',
    });
    expect(ordersWorkerLimits(config)).toEqual({
      maxCachedWorkflows: 10,
      maxConcurrentWorkflowTaskExecutions: 10,
      maxConcurrentActivityTaskExecutions: 8,
    });
    expect(ordersWorkerLimits(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }))).toMatchObject({
      maxCachedWorkflows: 0,
      maxConcurrentWorkflowTaskExecutions: 40,
    });
  });

  test('a cache of one workflow or a non-number is refused, naming the variable', () => {
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '1' })).toThrow(/WORKER_MAX_CACHED_WORKFLOWS/);
    expect(() => loadConfig({ ORDERS_ACTIVITY_CONCURRENCY: 'many' })).toThrow(/ORDERS_ACTIVITY_CONCURRENCY/);
    expect(() => loadConfig({ WORKFLOW_TASK_CONCURRENCY: '1' })).toThrow(/WORKFLOW_TASK_CONCURRENCY/);
  });
});
