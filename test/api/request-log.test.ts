// One short log entry per request: method, path, status, time and principal; never headers,
// bodies or the key. (These routes read Postgres only, so no Temporal is needed.)
import { PassThrough } from 'node:stream';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { issueApiKey } from '../../api/auth/keys';
import { testPrisma } from '../setup/database';

test('request entries carry method, path, status, time and principal only', async () => {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const prisma = testPrisma();
  const app = createApp({
    prisma,
    // Never reached by the routes below; a call would fail the test.
    temporal: {} as Client,
    config: { ORDERS_TASK_QUEUE: 'orders', PROVISIONING_TASK_QUEUE: 'provisioning' },
    logger: pino({ level: 'info' }, out),
  });
  const { key, principal } = await issueApiKey(prisma, { role: 'admin', label: 'request log test' });

  await request(app).get('/products').set('Authorization', `Bearer ${key}`).expect(200);
  await request(app).get('/nowhere').set('User-Agent', 'test-agent').expect(404);

  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries).toHaveLength(2);
  const [ok, missing] = entries;
  expect(ok).toMatchObject({
    level: 30,
    msg: expect.stringMatching(/^GET \/products 200 \d+ms$/),
    req: { method: 'GET', path: '/products' },
    res: { status: 200 },
    responseTime: expect.any(Number),
    principal: `admin:${principal.id}`,
  });
  expect(missing).toMatchObject({ level: 40, res: { status: 404 }, req: { path: '/nowhere' } });
  expect(missing).not.toHaveProperty('principal');
  for (const entry of entries) {
    expect(Object.keys(entry.req as object).sort()).toEqual(['id', 'method', 'path']);
    expect(Object.keys(entry.res as object)).toEqual(['status']);
  }
  const text = lines.join('\n');
  expect(text).not.toContain(key);
  expect(text).not.toContain('test-agent');
  expect(text).not.toContain('headers');
});
