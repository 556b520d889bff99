// Several hundred generated malformed requests (bodies, headers, ids, query strings), from a
// seeded generator so a failure replays: each gets a 4xx problem, never a 5xx, and none changes a
// row. Values the schemas would accept are skipped, so every case really is malformed.
import { seededRandom, type SeededRandom } from '../helpers/seeded-random';
import request from 'supertest';
import { paymentFields } from '../../domain';
import {
  createListingBody,
  createOrderBody,
  createPrincipalBody,
  createProductBody,
  settingsBody,
} from '../../api/schemas';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

const SEED = Number(process.env.API_FUZZ_SEED ?? 20261123);

let t: ApiTestEnv;
let client: Caller;
let otherClient: Caller;
let product: string;
let pendingOrder: string;
let foreignOrder: string;
let marker: string;

beforeAll(async () => {
  t = await startApiTestEnv();
  marker = t.id('fuzz');
  client = await t.caller('client');
  otherClient = await t.caller('client');
  product = await t.product();
  const place = async (c: Caller) =>
    (
      await request(t.app)
        .post('/orders')
        .set(c.auth)
        .send({ kind: 'checkout', items: [{ productId: product }] })
        .expect(201)
    ).body.id as string;
  pendingOrder = await place(client);
  foreignOrder = await place(otherClient);
  // The workflows project their orders after the 201: wait for both, so the "before" snapshot
  // is not taken while their rows are still arriving.
  const orders = { orderId: { in: [pendingOrder, foreignOrder] } };
  await eventually(
    () =>
      Promise.all([t.prisma.invoice.count({ where: orders }), t.prisma.auditEntry.count({ where: orders })]),
    ([invoices, audit]) => invoices === 2 && audit >= 2,
  );
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

type Rand = SeededRandom;

/** encodeURIComponent refuses lone surrogates; those become '?' in URLs. */
const encodePath = (s: string): string =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '?'),
  );

function junkString(r: Rand): string {
  const pieces = [
    '',
    ' ',
    'x'.repeat(r.int(3000)),
    '\u0000',
    '💥',
    '<script>',
    "'; DROP TABLE orders; --",
    '../../etc/passwd',
    '%00',
    '\ud800',
    '{}',
    'null',
  ];
  return `${r.pick(pieces)}${marker}${r.pick(pieces)}`;
}

/** Any JSON value, nested a little; strings carry the marker so rows they would create are findable. */
function junkValue(r: Rand, depth = 0): unknown {
  switch (r.int(depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return r.pick([true, false]);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31]);
    case 3:
    case 4:
      return junkString(r);
    case 5:
      return r.pick(['checkout', 'service', 'sales', 'client', 'admin', 'hosting', product]);
    case 6:
      return Array.from({ length: r.int(4) }, () => junkValue(r, depth + 1));
    default:
      return junkObject(r, depth + 1);
  }
}

const likelyKeys = [
  'kind',
  'items',
  'productId',
  'quantity',
  'clientId',
  'customerId',
  'listingId',
  'activateAt',
  'expiresAt',
  'role',
  'subjectId',
  'name',
  'email',
  'type',
  'priceCents',
  'currency',
  'autoApprove',
  'invoiceDueDays',
  'amountCents',
  'reference',
  'reason',
  'outcome',
  '__proto__',
  'constructor',
];

function junkObject(r: Rand, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = r.int(5); i >= 0; i--) {
    const key = r.next() < 0.8 ? r.pick(likelyKeys) : junkString(r).slice(0, 40);
    Object.defineProperty(out, key, { value: junkValue(r, depth), enumerable: true, writable: true });
  }
  return out;
}

/** Near-valid bodies: one field broken, so the schemas' individual checks are reached. */
function nearlyValidOrder(r: Rand): unknown {
  const base: Record<string, unknown> = r.pick([
    { kind: 'checkout', items: [{ productId: product, quantity: 1 }] },
    { kind: 'sales', customerId: 'c-1', items: [{ productId: product }] },
    { kind: 'service', listingId: 'l-1' },
  ]);
  const key = r.pick([...Object.keys(base), 'items', 'quantity', 'extra']);
  if (key === 'quantity')
    return { ...base, items: [{ productId: product, quantity: r.pick([0, -1, 1.5, '1', 1001]) }] };
  return { ...base, [key]: junkValue(r) };
}

interface Case {
  readonly label: string;
  readonly method: 'get' | 'post' | 'put';
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** A JSON value to send, or raw text with its content type. */
  readonly body?: { json: unknown } | { raw: string; type: string };
  readonly as: 'client' | 'admin' | 'none';
}

const bodyRoutes: {
  path: () => string;
  as: 'client' | 'admin';
  valid: (v: unknown) => boolean;
  method?: 'put';
}[] = [
  { path: () => '/orders', as: 'client', valid: (v) => createOrderBody.safeParse(v).success },
  { path: () => '/principals', as: 'admin', valid: (v) => createPrincipalBody.safeParse(v).success },
  { path: () => '/products', as: 'admin', valid: (v) => createProductBody.safeParse(v).success },
  { path: () => '/settings', as: 'admin', valid: (v) => settingsBody.safeParse(v).success, method: 'put' },
  { path: () => '/listings', as: 'admin', valid: (v) => createListingBody.safeParse(v).success },
  {
    path: () => `/orders/${pendingOrder}/actions/pay`,
    as: 'client',
    valid: (v) => paymentFields.safeParse(v).success,
  },
];

function generateCases(r: Rand, count: number): Case[] {
  const cases: Case[] = [];
  while (cases.length < count) {
    const kind = r.int(10);
    if (kind <= 3) {
      const route = r.pick(bodyRoutes);
      const value = kind === 0 ? nearlyValidOrder(r) : r.next() < 0.7 ? junkObject(r) : junkValue(r);
      if (route.valid(value)) continue;
      cases.push({
        label: 'body',
        method: route.method ?? 'post',
        path: route.path(),
        body: { json: value },
        as: route.as,
      });
    } else if (kind === 4) {
      const raw = r.pick([
        '{',
        '{"kind":',
        'nul',
        '[1,2',
        '{"a":1}}',
        "{'kind':'checkout'}",
        '\u0000',
        '{"a":"\\x"}',
      ]);
      const type = r.pick([
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
      ]);
      cases.push({
        label: `raw ${type}`,
        method: 'post',
        path: r.pick(['/orders', '/products', `/orders/${pendingOrder}/actions/pay`]),
        body: { raw, type },
        as: 'client',
      });
    } else if (kind === 5) {
      const value = r.pick([
        'Bearer',
        'Bearer ',
        `Bearer ${junkString(r)
          .replace(/[^\x21-\x7e]/g, 'z')
          .slice(0, 600)}`,
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `bearer ok_${'A'.repeat(r.int(60))}`,
        `Bearer ok_${'A'.repeat(43)} extra`,
        'x'.repeat(r.int(5000)),
        `Token ${marker}`,
      ]);
      cases.push({
        label: 'authorization',
        method: r.pick(['get', 'post'] as const),
        path: r.pick(['/orders', '/products', '/principals', `/orders/${pendingOrder}`]),
        headers: { Authorization: value },
        body: { json: {} },
        as: 'none',
      });
    } else if (kind === 6) {
      const key = r.pick(['', ' ', 'has space', 'x'.repeat(256 + r.int(100)), 'cl\u00e9', 'tab\tkey']);
      if (key === '') continue;
      cases.push({
        label: 'idempotency-key',
        method: 'post',
        path: '/orders',
        headers: { 'Idempotency-Key': key },
        body: { json: { kind: 'checkout', items: [{ productId: product }] } },
        as: 'client',
      });
    } else if (kind === 7) {
      const id = r.pick([
        encodePath(junkString(r).slice(0, 300)),
        '%E0%A4%A',
        '%',
        '..%2F..%2Fsettings',
        'x'.repeat(129 + r.int(500)),
        foreignOrder,
        `order-${pendingOrder}`,
        '-leading-dash',
      ]);
      const action = r.pick([
        'pay',
        'cancel',
        'approve',
        '__proto__',
        encodePath(junkString(r).slice(0, 80)),
        '%ZZ',
      ]);
      const target = r.pick([
        `/orders/${id}`,
        `/orders/${id}/actions/${action}`,
        `/orders/${pendingOrder}/actions/${action}`,
        `/listings/${id}`,
        `/listings/${id}/actions/${action}`,
      ]);
      if (
        target === `/orders/${pendingOrder}/actions/pay` ||
        target === `/orders/${pendingOrder}/actions/cancel`
      )
        continue;
      const method = target.includes('/actions/') ? 'post' : 'get';
      cases.push({
        label: 'id',
        method,
        path: target,
        body: method === 'post' ? { json: { amountCents: 1, reference: marker } } : undefined,
        as: 'client',
      });
    } else if (kind === 8) {
      const params = r.pick([
        'limit=0',
        'limit=-1',
        'limit=101',
        'limit=abc',
        'limit=1&limit=2',
        'cursor=%%%',
        `cursor=${Buffer.from('["nope"]').toString('base64url')}`,
        `cursor=${encodePath(junkString(r).slice(0, 100))}`,
        'from=yesterday',
        'to=2026-13-45T00:00:00Z',
        'kind=listing',
        'status=DROP%20TABLE',
        'archived=maybe',
        'unknown=1',
        `clientId=${encodeURIComponent('../x')}`,
      ]);
      cases.push({
        label: 'query',
        method: 'get',
        path: r.pick([`/orders?${params}`, `/listings?${params}`]),
        as: 'client',
      });
    } else {
      // Bigger than the body limit.
      cases.push({
        label: 'too large',
        method: 'post',
        path: '/orders',
        body: { json: { kind: 'checkout', items: [], pad: 'x'.repeat(70_000 + r.int(200_000)) } },
        as: 'client',
      });
    }
  }
  return cases;
}

async function send(c: Case): Promise<request.Response> {
  let req = request(t.app)[c.method](c.path);
  if (c.as === 'client') req = req.set(client.auth);
  if (c.as === 'admin') req = req.set(t.admin.auth);
  for (const [name, value] of Object.entries(c.headers ?? {})) req = req.set(name, value);
  if (!c.body) return req;
  if ('raw' in c.body) return req.set('Content-Type', c.body.type).send(c.body.raw);
  return req.set('Content-Type', 'application/json').send(JSON.stringify(c.body.json));
}

/** Rows this file's requests could have written (the database is shared with other test files). */
async function rowsWeCouldTouch() {
  const mine = [client.subjectId, otherClient.subjectId];
  const contains = { contains: marker };
  const [orders, audit, keys, principals, products, parties, listings, invoices] = await Promise.all([
    t.prisma.order.findMany({
      where: { OR: [{ clientId: { in: mine } }, { customerId: contains }] },
      orderBy: { id: 'asc' },
    }),
    t.prisma.auditEntry.count({ where: { orderId: { in: [pendingOrder, foreignOrder] } } }),
    t.prisma.idempotencyKey.count({ where: { principal: { subjectId: { in: mine } } } }),
    t.prisma.apiPrincipal.count({ where: { OR: [{ subjectId: contains }, { label: contains }] } }),
    t.prisma.product.count({
      where: { OR: [{ id: contains }, { name: contains }, { description: contains }] },
    }),
    t.prisma.party.count({ where: { OR: [{ id: contains }, { name: contains }, { email: contains }] } }),
    t.prisma.serviceListing.count({
      where: { OR: [{ name: contains }, { description: contains }, { isvId: contains }] },
    }),
    t.prisma.invoice.findMany({
      where: { orderId: { in: [pendingOrder, foreignOrder] } },
      orderBy: { id: 'asc' },
    }),
  ]);
  return { orders, audit, keys, principals, products, parties, listings, invoices };
}

it('malformed bodies, headers, ids and queries get a 4xx problem, never a 5xx, and change nothing', async () => {
  const r = seededRandom(SEED);
  const cases = generateCases(r, 400);
  const before = await rowsWeCouldTouch();
  const viewBefore = await t.status(pendingOrder);
  const statuses = new Map<number, number>();
  for (const [index, c] of cases.entries()) {
    const res = await send(c);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const summary = {
      seed: SEED,
      index,
      label: c.label,
      method: c.method,
      path: c.path.slice(0, 200),
      status: res.status,
    };
    expect(summary).toEqual({ ...summary, status: expect.any(Number) });
    if (res.status < 400 || res.status >= 500) {
      throw new Error(
        `case ${index} (seed ${SEED}) got ${res.status}: ${JSON.stringify(c).slice(0, 500)} -> ${res.text.slice(0, 300)}`,
      );
    }
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(res.status);
  }
  expect(await rowsWeCouldTouch()).toEqual(before);
  const viewAfter = await t.status(pendingOrder);
  expect(viewAfter.transitions).toEqual(viewBefore.transitions);
  expect(viewAfter.status).toBe('pending');
  // The generator reaches every kind of refusal, not just one.
  expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 401, 404, 413, 415, 422]));
});

describe('values the database cannot store', () => {
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('amounts, totals and instants beyond the columns are a 4xx problem and change nothing', async () => {
    const salesperson = await t.caller('salesperson');
    const customer = await t.caller('customer');
    // The most a product may cost: three of it overflow an int4 total.
    const dear = await t.product({ priceCents: 1_000_000_000 });
    const sales = (fields: object) => ({
      kind: 'sales',
      customerId: customer.subjectId,
      items: [{ productId: product }],
      ...fields,
    });
    const cases: { as: Caller; path: string; body: object; status: number; path422?: string }[] = [
      {
        as: client,
        path: '/orders',
        body: { kind: 'checkout', items: [{ productId: dear, quantity: 3 }] },
        status: 422,
        path422: 'items.0.quantity',
      },
      {
        as: client,
        path: '/orders',
        body: { kind: 'checkout', items: [1, 2, 3].map(() => ({ productId: dear })) },
        status: 422,
        path422: 'items',
      },
      {
        as: salesperson,
        path: '/orders',
        body: sales({ items: [{ productId: dear, quantity: 1000 }] }),
        status: 422,
        path422: 'items.0.quantity',
      },
      {
        as: salesperson,
        path: '/orders',
        body: sales({ activateAt: '0000-01-01T00:00:00Z' }),
        status: 422,
        path422: 'activateAt',
      },
      {
        as: salesperson,
        path: '/orders',
        body: sales({ activateAt: '0001-01-01T00:00:00+14:00' }),
        status: 422,
        path422: 'activateAt',
      },
      {
        as: salesperson,
        path: '/orders',
        body: sales({ expiresAt: '0000-12-31T23:59:59Z' }),
        status: 422,
        path422: 'expiresAt',
      },
      {
        as: client,
        path: `/orders/${pendingOrder}/actions/pay`,
        body: { amountCents: 2 ** 31, reference: marker },
        status: 422,
        path422: 'amountCents',
      },
      {
        as: client,
        path: `/orders/${pendingOrder}/actions/pay`,
        body: { amountCents: Number.MAX_SAFE_INTEGER, reference: marker },
        status: 422,
        path422: 'amountCents',
      },
    ];
    const queries = [
      '/orders?from=0000-01-01T00:00:00Z',
      '/orders?to=0001-01-01T00:00:00%2B14:00',
      '/orders?from=2026-01-01T00:00:00Z&to=0000-12-31T00:00:00Z',
      ...['/orders', '/listings'].flatMap((list) => [
        `${list}?cursor=${cursorOf(['2026-01-01T00:00:00.000Z', 'a\u0000b'])}`,
        `${list}?cursor=${cursorOf(['-100000-01-01T00:00:00Z', 'order-1'])}`,
        `${list}?cursor=${cursorOf(['0000-06-01T00:00:00.000Z', 'order-1'])}`,
        `${list}?cursor=${cursorOf(['2026-01-01', 'order-1'])}`,
      ]),
    ];
    const snapshot = async () => ({
      rows: await rowsWeCouldTouch(),
      sales: await t.prisma.order.count({ where: { salespersonId: salesperson.subjectId } }),
      keys: await t.prisma.idempotencyKey.count({
        where: { principal: { subjectId: salesperson.subjectId } },
      }),
    });
    const before = await snapshot();
    const viewBefore = await t.status(pendingOrder);

    for (const c of cases) {
      // With a key, an accepted order would leave its key row behind at once.
      const res = await request(t.app)
        .post(c.path)
        .set(c.as.auth)
        .set('Idempotency-Key', t.id('k'))
        .send(c.body);
      expect([c.path, c.body, res.status]).toEqual([c.path, c.body, c.status]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.status).toBe(c.status);
      expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(c.path422);
    }
    for (const path of queries) {
      const res = await request(t.app).get(path).set(client.auth);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.status).toBe(400);
    }
    // The bounds themselves are storable and accepted.
    for (const path of [
      '/orders?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z',
      `/orders?cursor=${cursorOf(['0001-01-01T00:00:00.000Z', 'order-1'])}`,
      `/listings?cursor=${cursorOf(['9999-12-31T23:59:59.999Z', 'listing-1'])}`,
    ]) {
      await request(t.app).get(path).set(client.auth).expect(200);
    }

    expect(await snapshot()).toEqual(before);
    const viewAfter = await t.status(pendingOrder);
    expect(viewAfter.transitions).toEqual(viewBefore.transitions);
    expect(viewAfter.status).toBe('pending');
  });
});
