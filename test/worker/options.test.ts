// The worker's configuration as Temporal options: address, TLS and API key, queue selection, the
// pino bridge for Temporal's logs, shutdown times; and the settings loadConfig refuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../config';
import { connectionOptions, temporalAddress } from '../../worker/connection';
import { PinoTemporalLogger } from '../../worker/runtime-logger';
import { ordersWorkerLimits, selectQueueRoles, shutdownTimes } from '../../worker/workers';

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

describe('shutdownTimes', () => {
  test('the force time defaults to 10 s after the grace time, whatever the grace time', () => {
    expect(shutdownTimes(loadConfig({}))).toEqual({ shutdownGraceTime: 30_000, shutdownForceTime: 40_000 });
    expect(shutdownTimes(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '120000' }))).toEqual({
      shutdownGraceTime: 120_000,
      shutdownForceTime: 130_000,
    });
    expect(
      shutdownTimes(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '1000', WORKER_SHUTDOWN_FORCE_MS: '5000' })),
    ).toEqual({ shutdownGraceTime: 1000, shutdownForceTime: 5000 });
    // A hand-built WorkersConfig (tests) without the force time gets the same default.
    expect(
      shutdownTimes({
        TEMPORAL_NAMESPACE: 'default',
        ORDERS_TASK_QUEUE: 'orders',
        PROVISIONING_TASK_QUEUE: 'provisioning',
        WORKER_TASK_QUEUES: 'orders',
        PROVISIONING_CONCURRENCY: 1,
        WORKER_SHUTDOWN_GRACE_MS: 5000,
      }).shutdownForceTime,
    ).toBe(15_000);
  });

  test('a force time not above the grace time, or not a positive number, is refused', () => {
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '5000', WORKER_SHUTDOWN_FORCE_MS: '5000' })).toThrow(
      /WORKER_SHUTDOWN_FORCE_MS: must be greater than WORKER_SHUTDOWN_GRACE_MS \(5000\)/,
    );
    expect(() => loadConfig({ WORKER_SHUTDOWN_FORCE_MS: '10000' })).toThrow(/WORKER_SHUTDOWN_FORCE_MS/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_FORCE_MS: '0' })).toThrow(/WORKER_SHUTDOWN_FORCE_MS/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_FORCE_MS: 'soon' })).toThrow(/WORKER_SHUTDOWN_FORCE_MS/);
  });
});

describe('loadConfig refusals', () => {
  test('SMTP_URL: smtp:// or smtps:// with a host only', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://user:secret@mail.example.com:587' }).SMTP_URL).toBe(
      'smtp://user:secret@mail.example.com:587',
    );
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example.com' }).SMTP_URL).toBe('smtps://mail.example.com');
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525?pool=true' }).SMTP_URL).toBeDefined();
    for (const bad of [
      'smtp.example.com:587', // a URL of scheme `smtp.example.com:`; nodemailer read host 0.0.2.75
      'http://mail.example.com',
      'mailto:orders@example.com',
      'smtp:///no-host',
      'mail.example.com',
    ]) {
      expect(() => loadConfig({ SMTP_URL: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ SMTP_URL: bad })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    }
  });

  test("the API's public address: as given without a trailing slash, else from HOST and PORT", () => {
    expect(loadConfig({ PUBLIC_API_URL: 'https://orders.example.com/api/' }).publicApiUrl).toBe(
      'https://orders.example.com/api',
    );
    expect(loadConfig({}).publicApiUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicApiUrl).toBe('http://localhost:8080');
    expect(loadConfig({ HOST: '::1' }).publicApiUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ PORT: '0' }).publicApiUrl).toBeUndefined();
    for (const bad of ['orders.example.com', 'ftp://orders.example.com']) {
      expect(() => loadConfig({ PUBLIC_API_URL: bad })).toThrow(/PUBLIC_API_URL: must be an http/);
    }
  });

  test('the orders and provisioning task queues must differ', () => {
    expect(() => loadConfig({ ORDERS_TASK_QUEUE: 'jobs', PROVISIONING_TASK_QUEUE: 'jobs' })).toThrow(
      /PROVISIONING_TASK_QUEUE: must differ from ORDERS_TASK_QUEUE \(both are "jobs"\)/,
    );
    // Against the other's default too.
    expect(() => loadConfig({ ORDERS_TASK_QUEUE: 'provisioning' })).toThrow(ConfigError);
    expect(loadConfig({ ORDERS_TASK_QUEUE: 'orders-eu', PROVISIONING_TASK_QUEUE: 'panel-eu' })).toMatchObject(
      {
        ORDERS_TASK_QUEUE: 'orders-eu',
        PROVISIONING_TASK_QUEUE: 'panel-eu',
      },
    );
  });

  test('TEMPORAL_TLS=false with TLS files, a server name or an API key is a contradiction', () => {
    expect(() =>
      loadConfig({
        TEMPORAL_TLS: 'false',
        TEMPORAL_TLS_CERT_PATH: '/c.pem',
        TEMPORAL_TLS_KEY_PATH: '/c.key',
      }),
    ).toThrow(/TEMPORAL_TLS: is false but TEMPORAL_TLS_CERT_PATH, TEMPORAL_TLS_KEY_PATH are set/);
    expect(() => loadConfig({ TEMPORAL_TLS: 'off', TEMPORAL_TLS_CA_PATH: '/ca.pem' })).toThrow(
      /TEMPORAL_TLS: is false but TEMPORAL_TLS_CA_PATH is set/,
    );
    expect(() => loadConfig({ TEMPORAL_TLS: '0', TEMPORAL_TLS_SERVER_NAME: 'orders.internal' })).toThrow(
      /TEMPORAL_TLS_SERVER_NAME/,
    );
    expect(() => loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toThrow(
      /TEMPORAL_TLS: is false but TEMPORAL_API_KEY is set/,
    );
    // Not contradictions: TLS off alone, TLS on with files, files alone (TLS implied).
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).TEMPORAL_TLS).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA_PATH: '/ca.pem' }).TEMPORAL_TLS).toBe(true);
    expect(loadConfig({ TEMPORAL_TLS_CA_PATH: '/ca.pem' }).TEMPORAL_TLS).toBeUndefined();
  });

  test('every contradiction is reported at once, one line each', () => {
    expect(() =>
      loadConfig({
        ORDERS_TASK_QUEUE: 'q',
        PROVISIONING_TASK_QUEUE: 'q',
        TEMPORAL_TLS: 'false',
        TEMPORAL_TLS_CA_PATH: '/ca.pem',
      }),
    ).toThrow(
      'invalid configuration:\n' +
        '  PROVISIONING_TASK_QUEUE: must differ from ORDERS_TASK_QUEUE (both are "q")\n' +
        '  TEMPORAL_TLS: is false but TEMPORAL_TLS_CA_PATH is set: unset one or the other',
    );
  });
});
