// Requests that used to end in a 500 or a misleading answer: text Postgres cannot store, bodies
// nested deeply enough to overflow a recursive walk, a `null` body, an unknown action, requests
// Node's HTTP parser refuses before Express sees them. Each is a 4xx problem+json that names the
// fault, and a refused request changes nothing.
import { connect } from 'node:net';
import { Client } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { startApiServer, type ApiServer } from '../../api/server';
import { startApiTestEnv, type ApiTestEnv, type Caller } from './support';

let t: ApiTestEnv;
let client: Caller;
let product: string;
let order: { id: string; totalCents: number };

beforeAll(async () => {
  t = await startApiTestEnv();
  client = await t.caller('client');
  product = await t.product();
  const created = await request(t.app)
    .post('/orders')
    .set(client.auth)
    .send({ kind: 'checkout', items: [{ productId: product }] })
    .expect(201);
  order = created.body;
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

function expectProblem(res: request.Response, status: number, detail: RegExp): void {
  expect([res.status, res.body.detail]).toEqual([status, expect.stringMatching(detail)]);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String) });
}

/** Rows a refused request must leave as they were. */
async function snapshot() {
  const [products, principals, keys, view] = await Promise.all([
    t.prisma.product.count(),
    t.prisma.apiPrincipal.count(),
    t.prisma.idempotencyKey.count(),
    t.status(order.id),
  ]);
  return { products, principals, keys, transitions: view.transitions, status: view.status };
}

describe('text no database can store is refused before anything changes', () => {
  const nul = 'before\u0000after';
  const lone = 'ref-\ud800-x';
  it.each([
    ['a NUL in a cancel reason', 'cancel', { reason: nul }],
    ['a lone surrogate in a payment reference', 'pay', { amountCents: 1500, reference: lone }],
    ['a NUL in a payment reference', 'pay', { amountCents: 1500, reference: nul }],
    ['a lone low surrogate in a member name', 'cancel', { ['r\udc00']: 'x' }],
  ])('%s', async (_label, action, body) => {
    const before = await snapshot();
    const res = await request(t.app)
      .post(`/orders/${order.id}/actions/${action}`)
      .set(client.auth)
      .set('Idempotency-Key', `k-${action}-${before.keys}`)
      .send(body);
    expectProblem(res, 400, /NUL byte or an unpaired UTF-16 surrogate/);
    expect(await snapshot()).toEqual(before);
  });

  it('in the create routes too (product, principal, listing, order)', async () => {
    const before = await snapshot();
    const cases: [string, object][] = [
      ['/products', { name: nul, type: 'other', priceCents: 1 }],
      ['/products', { name: 'ok', description: lone, type: 'other', priceCents: 1 }],
      ['/principals', { role: 'client', subjectId: 'c-nul', name: nul }],
      ['/principals', { role: 'client', subjectId: 'c-lone', label: lone }],
      ['/listings', { isvId: 'isv-nul', name: nul }],
      ['/orders', { kind: 'sales', customerId: 'c', items: [{ productId: lone }] }],
    ];
    for (const [path, body] of cases) {
      const res = await request(t.app).post(path).set(t.admin.auth).send(body);
      expectProblem(res, 400, /contains a NUL byte or an unpaired UTF-16 surrogate/);
    }
    expect(await snapshot()).toEqual(before);
    expect(await t.prisma.party.count({ where: { id: { in: ['c-nul', 'c-lone', 'isv-nul'] } } })).toBe(0);
  });

  it('a paired surrogate (an emoji) is text like any other', async () => {
    const res = await request(t.app)
      .post('/products')
      .set(t.admin.auth)
      .send({ name: 'Rocket \ud83d\ude80', type: 'other', priceCents: 1 });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Rocket 🚀');
  });
});

describe('bodies', () => {
  it('a deeply nested body is a 400 before any walk of it, with or without an Idempotency-Key', async () => {
    const before = await snapshot();
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    for (const path of ['/orders', `/orders/${order.id}/actions/pay`, '/products', '/settings']) {
      const res = await request(t.app)
        .post(path)
        .set(path === '/orders' || path.includes('actions') ? client.auth : t.admin.auth)
        .set('Idempotency-Key', 'deep-1')
        .set('Content-Type', 'application/json')
        .send(`{"kind":"checkout","items":${deep}}`);
      expectProblem(res, 400, /nests deeper than 32 levels/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a nesting a little deeper than any route needs is still a schema question (422)', async () => {
    let nested: unknown = 'x';
    for (let i = 0; i < 20; i++) nested = { a: nested };
    const res = await request(t.app)
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: nested });
    expect(res.status).toBe(422);
  });

  it.each([
    ['null', 'null'],
    ['42', 'a number'],
    ['"text"', 'a string'],
    ['true', 'a boolean'],
  ])('a %s body is told it must be an object', async (raw, what) => {
    const res = await request(t.app)
      .post('/orders')
      .set(client.auth)
      .set('Content-Type', 'application/json')
      .send(raw);
    expectProblem(res, 400, new RegExp(`^the request body must be a JSON object, not ${what}$`));
  });

  it('broken JSON is still "not valid JSON"', async () => {
    const res = await request(t.app)
      .post('/orders')
      .set(client.auth)
      .set('Content-Type', 'application/json')
      .send('{"kind":');
    expectProblem(res, 400, /^the request body is not valid JSON$/);
  });
});

describe('answers that name the fault', () => {
  it('an unknown action is a 404 naming it, not a 403 about the role', async () => {
    const before = await snapshot();
    const res = await request(t.app).post(`/orders/${order.id}/actions/explode`).set(client.auth).send({});
    expectProblem(res, 404, /^no action "explode" on a checkout order$/);
    expect(res.body).toMatchObject({
      code: 'unknown_action',
      action: 'explode',
      allowedActions: ['pay', 'cancel'],
    });
    // Inherited object members are no actions either.
    const proto = await request(t.app)
      .post(`/orders/${order.id}/actions/constructor`)
      .set(client.auth)
      .send({});
    expect(proto.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('a foreign order is still a plain 404 whatever the action', async () => {
    const other = await t.caller('client');
    const res = await request(t.app).post(`/orders/${order.id}/actions/explode`).set(other.auth).send({});
    expectProblem(res, 404, /^no such order$/);
  });

  it('roles starting with a vowel take "an"', async () => {
    const isv = await t.caller('isv');
    const res = await request(t.app)
      .post('/orders')
      .set(isv.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] });
    expectProblem(res, 403, /^an isv may not place checkout orders/);
    const never = await request(t.app).post(`/orders/${order.id}/actions/approve`).set(t.admin.auth).send({});
    expect(never.body.detail).not.toMatch(/\ba (admin|isv)\b/);
  });
});

describe('requests Node refuses before Express sees them', () => {
  let server: ApiServer;
  let temporal: Client;
  beforeAll(async () => {
    // A lazy client: none of these requests reaches a route.
    temporal = new Client();
    server = await startApiServer({
      prisma: t.prisma,
      temporal,
      config: { ORDERS_TASK_QUEUE: 'orders', PROVISIONING_TASK_QUEUE: 'provisioning' },
      logger: pino({ level: 'silent' }),
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await server?.close();
    await temporal?.connection.close();
  });

  /** Sends raw bytes and reads the whole answer (the server closes the connection). */
  function raw(bytes: string): Promise<{ status: number; headers: string; body: string }> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = data.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), headers: head, body });
      });
      socket.write(bytes);
    });
  }

  it.each([
    ['an over-long URL', `GET /orders?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    [
      'an over-long header',
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
    ['a malformed request line', 'GET /health/live HTTP/9\r\n\r\n', 400],
    ['a header without a colon', 'GET /health/live HTTP/1.1\r\nHost x\r\n\r\n', 400],
  ])('%s is a problem+json', async (_label, bytes, status) => {
    const res = await raw(bytes);
    expect(res.status).toBe(status);
    expect(res.headers).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    expect(JSON.parse(res.body)).toMatchObject({
      status,
      title: expect.any(String),
      detail: expect.any(String),
    });
  });
});
