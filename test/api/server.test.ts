// startApiServer: serves on a port, finishes requests in flight when closed, and the request log
// never carries the API key.
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { issueApiKey } from '../../api/auth/keys';
import { startApiServer } from '../../api/server';
import { testPrisma } from '../setup/database';

const prisma = testPrisma();

it('serves, logs without secrets and shuts down gracefully', async () => {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: 'info', redact: ['req.headers.authorization'] }, sink);
  // A lazy client: nothing here needs Temporal to answer.
  const temporal = new Client();
  const server = await startApiServer({
    prisma,
    temporal,
    config: { ORDERS_TASK_QUEUE: 'orders', PROVISIONING_TASK_QUEUE: 'provisioning' },
    logger,
    port: 0,
    host: '127.0.0.1',
  });
  try {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { key } = await issueApiKey(prisma, { role: 'admin', label: 'server test' });
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    const arrived = new Promise((resolve) => server.server.once('request', resolve));
    const products = fetch(`${server.url}/products`, { headers: { Authorization: `Bearer ${key}` } });
    await arrived;
    const closing = server.close();
    // The request sent before close() is still answered.
    expect((await products).status).toBe(200);
    await closing;
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
    expect(logged).toContain('/products');
    expect(logged).not.toContain(key);
  } finally {
    await server.close();
    await temporal.connection.close();
  }
});
