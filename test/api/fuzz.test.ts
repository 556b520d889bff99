// A seeded, bounded fuzzer of every route in /openapi.json, sent over real HTTP (the API's own
// server, so requests Node's parser refuses are covered too). Bodies start from a valid request
// and have one part broken with values taken from each field's schema type (wrong types, text
// no database stores, numbers beyond the columns, deep nesting); queries, headers and path ids
// are broken the same way. For every answer: no 5xx; every error is problem+json with its status;
// a refused request changes nothing (the fuzzer's rows and the fixture orders as their workflows
// report them); an accepted one is projected (the order's row catches up with its workflow, and
// no projection failure is recorded). API_FUZZ_SEED replays a run.
import { seededRandom, type SeededRandom } from '../helpers/seeded-random';
import request from 'supertest';
import {
  checkoutLifecycle,
  salesOrderLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
} from '../../domain';
import { openApiDocument } from '../../api/openapi';
import { serveApp, type ApiServer } from '../../api/server';
import { createOrderBody, settingsBody } from '../../api/schemas';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

const SEED = Number(process.env.API_FUZZ_SEED ?? 16_2026);
const CASES_PER_OPERATION = 30;

type Rand = SeededRandom;

let t: ApiTestEnv;
let server: ApiServer;
let marker: string;
const callers: Record<'client' | 'salesperson' | 'customer' | 'isv' | 'merchant', Caller> = {} as never;
let product: string;
/** Orders and listings the action routes act on, with who may act on them. */
const targets: { path: string; id: string; kind: 'order' | 'listing'; as: Caller }[] = [];

beforeAll(async () => {
  t = await startApiTestEnv();
  server = await serveApp(t.app, { port: 0 });
  marker = t.id('fuzz');
  for (const role of ['client', 'salesperson', 'customer', 'isv', 'merchant'] as const) {
    callers[role] = await t.caller(role, `${marker}-${role}`);
  }
  product = await t.product({ priceCents: 700 });
  for (let i = 0; i < 3; i++) {
    const res = await api()
      .post('/orders')
      .set(callers.client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201);
    targets.push({ path: `/orders/${res.body.id}`, id: res.body.id, kind: 'order', as: callers.client });
  }
  const sales = await api()
    .post('/orders')
    .set(callers.salesperson.auth)
    .send({ kind: 'sales', customerId: callers.customer.subjectId, items: [{ productId: product }] })
    .expect(201);
  targets.push({
    path: `/orders/${sales.body.id}`,
    id: sales.body.id,
    kind: 'order',
    as: callers.salesperson,
  });
  const listing = await api()
    .post('/listings')
    .set(callers.isv.auth)
    .send({ name: `${marker} listing` })
    .expect(201);
  targets.push({
    path: `/listings/${listing.body.id}`,
    id: listing.body.id,
    kind: 'listing',
    as: callers.isv,
  });
  for (const target of targets) if (target.kind === 'order') await settled(target.id);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.stop();
});

const api = () => request(server.url);

// ---- values ---------------------------------------------------------------------------------

const junkStrings = [
  '',
  ' ',
  'x'.repeat(3000),
  'nul\u0000byte',
  '\u0000',
  'lone \ud800 high',
  '\udc00 lone low',
  'rocket \ud83d\ude80',
  '\u202eevil',
  '../../etc/passwd',
  '%00',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '0',
  '-1',
  '1e309',
  'NaN',
  '2026-13-45T99:99:99Z',
  '0000-01-01T00:00:00Z',
  'ＦＵＬＬ',
];
const junkNumbers = [0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 31) - 1, 1e308, Number.MIN_VALUE];

function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

function junkValue(r: Rand, type?: string): unknown {
  // Mostly values of the wrong shape for the field's type, sometimes of its own type but bad.
  const own = r.next() < 0.5 && type;
  if (own === 'string') return r.pick(junkStrings);
  if (own === 'integer' || own === 'number') return r.pick(junkNumbers);
  switch (r.int(9)) {
    case 0:
      return r.pick(junkStrings);
    case 1:
      return r.pick(junkNumbers);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return [r.pick(junkStrings), r.pick(junkNumbers)];
    case 6:
      return { [r.pick(junkStrings)]: r.pick(junkStrings) };
    case 7:
      return deep(r.pick([5, 40, 2000]));
    default:
      return Array.from({ length: 60 }, () => r.pick(junkStrings));
  }
}

// ---- the operations, from the OpenAPI document ---------------------------------------------

type JsonSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
};
interface Operation {
  method: 'get' | 'post' | 'put';
  path: string;
  query: string[];
  pathParams: string[];
  body?: JsonSchema;
}

const doc = openApiDocument() as unknown as {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
};

function resolve(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  return doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
}

/** Field names and their types from a body schema (the variants of a oneOf/anyOf merged). */
function fieldsOf(schema: JsonSchema | undefined): Record<string, string | undefined> {
  const s = resolve(schema);
  if (!s) return {};
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return Object.assign({}, ...variants.map(fieldsOf));
  return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, resolve(v)?.type]));
}

const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  (['get', 'post', 'put'] as const)
    .filter((method) => item[method])
    .map((method) => {
      const op = item[method]!;
      return {
        method,
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema,
      };
    }),
);

const actionNames = [
  ...new Set(
    [checkoutLifecycle, serviceOrderLifecycle, salesOrderLifecycle, serviceListingLifecycle].flatMap(
      (l) => l.actionNames as readonly string[],
    ),
  ),
  'retry',
  'explode',
  '__proto__',
  'constructor',
  'toString',
];

/** The actions of the target's own lifecycle (a checkout's also its services' `retry`). */
function ownActions(target: { kind: 'order' | 'listing'; as: Caller }): string[] {
  if (target.kind === 'listing') return [...serviceListingLifecycle.actionNames];
  const lifecycle = target.as.role === 'salesperson' ? salesOrderLifecycle : checkoutLifecycle;
  return [...lifecycle.actionNames, ...(lifecycle === checkoutLifecycle ? ['retry'] : [])];
}

/** A request the route would accept (or nearly), which each case then breaks in one place. */
function validBody(op: Operation, r: Rand, n: number, action?: string): Record<string, unknown> {
  const tag = `${marker}-${n}`;
  switch (`${op.method} ${op.path}`) {
    case 'post /principals':
      return { role: 'client', subjectId: tag, name: `Fuzz ${tag}`, label: tag };
    case 'post /products':
      return { id: tag, name: `Fuzz ${tag}`, type: 'other', priceCents: 100 };
    case 'put /settings':
      return { invoiceDueDays: 7 };
    case 'post /listings':
      return { name: `${tag} listing` };
    case 'post /orders':
      return r.next() < 0.5
        ? { kind: 'checkout', items: [{ productId: product, quantity: 1 }] }
        : { kind: 'sales', customerId: callers.customer.subjectId, items: [{ productId: product }] };
    default:
      if (action === 'pay') return { amountCents: 700, reference: `${tag}-ref` };
      if (['cancel', 'reject', 'decline', 'turn_down'].includes(action ?? ''))
        return { reason: `fuzz ${tag}` };
      return {};
  }
}

/** Text a person would not send and Postgres cannot store, inside an otherwise valid value. */
const unstorable = ['\u0000', '\ud800', '\udfff', 'a\u0000b', '\ud83d'];

function brokenBody(
  r: Rand,
  body: Record<string, unknown>,
  fields: Record<string, string | undefined>,
): unknown {
  const names = [...new Set([...Object.keys(body), ...Object.keys(fields)])];
  const texts = names.filter((name) => fields[name] === 'string' || typeof body[name] === 'string');
  if (texts.length > 0 && r.next() < 0.35) {
    const name = r.pick(texts);
    const valid = typeof body[name] === 'string' ? (body[name] as string) : 'text';
    return { ...body, [name]: `${valid}${r.pick(unstorable)}` };
  }
  switch (r.int(6)) {
    case 0:
      return junkValue(r);
    case 1: {
      const { [r.pick(names)]: _dropped, ...rest } = body;
      return rest;
    }
    case 2:
      return { ...body, [r.pick([...junkStrings, 'extra'])]: junkValue(r) };
    case 3:
      if (Array.isArray(body.items)) {
        const item = body.items[0] as Record<string, unknown>;
        const key = r.pick(['productId', 'quantity', 'extra']);
        return {
          ...body,
          items: [{ ...item, [key]: junkValue(r, key === 'quantity' ? 'integer' : 'string') }],
        };
      }
      return { ...body, [r.pick(names)]: junkValue(r) };
    default: {
      const name = r.pick(names);
      return { ...body, [name]: junkValue(r, fields[name]) };
    }
  }
}

const rawBodies = [
  'null',
  '42',
  '"text"',
  'true',
  '{',
  '{"a":1}}',
  "{'single':'quotes'}",
  '{"reason":"\\u0000"}',
  '{"name":"\\ud800"}',
  `{"kind":"checkout","items":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
  `{"reason":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
  '\u0000',
  '',
];

// ---- cases ----------------------------------------------------------------------------------

interface Case {
  label: string;
  method: 'get' | 'post' | 'put';
  path: string;
  as?: Caller;
  headers: Record<string, string>;
  json?: unknown;
  raw?: { text: string; type: string };
  /** The order an action names, checked unchanged when the action is refused. */
  orderId?: string;
  /** Refused requests only: an accepted one would change what other test files see. */
  mustRefuse?: boolean;
}

function callerFor(op: Operation, r: Rand): Caller | undefined {
  switch (`${op.method} ${op.path}`) {
    case 'post /principals':
    case 'post /products':
    case 'put /settings':
      return t.admin;
    case 'post /listings':
      return callers.isv;
    case 'post /orders':
      return r.pick([callers.client, callers.salesperson]);
    case 'get /health/live':
    case 'get /health/ready':
      return undefined;
    default:
      return r.pick([t.admin, ...Object.values(callers)]);
  }
}

function encodeSegment(value: string): string {
  // encodeURIComponent refuses lone surrogates: those go as the raw bytes' percent-encoding.
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function casesFor(op: Operation, r: Rand, start: number): Case[] {
  const cases: Case[] = [];
  const fields = fieldsOf(op.body);
  for (let i = 0; i < CASES_PER_OPERATION; i++) {
    const n = start + i;
    const target = op.pathParams.length
      ? r.pick(targets.filter((x) => op.path.startsWith(`/${x.kind}s`)))
      : undefined;
    const own = target ? ownActions(target) : [];
    const action = op.pathParams.includes('action')
      ? r.next() < 0.6 && own.length
        ? r.pick(own)
        : r.pick(actionNames)
      : undefined;
    let path = op.path;
    if (target) path = path.replace('{id}', target.id);
    if (action) path = path.replace('{action}', encodeSegment(action));
    const as = target && r.next() < 0.8 ? target.as : callerFor(op, r);
    const keyed = op.method === 'post' && (op.path === '/orders' || action !== undefined) && r.next() < 0.5;
    const base: Case = {
      label: '',
      method: op.method,
      path,
      as,
      headers: keyed ? { 'Idempotency-Key': `${marker}-key-${r.int(40)}` } : {},
      orderId: target?.kind === 'order' ? target.id : undefined,
      mustRefuse: op.path === '/settings' && op.method === 'put',
    };
    const kind = r.int(10);
    if (op.body && kind < 5) {
      const body = brokenBody(r, validBody(op, r, n, action), fields);
      // Valid settings would change every other test's orders: only refused ones are sent.
      if (base.mustRefuse && settingsBody.safeParse(body).success) continue;
      if (op.path === '/orders' && op.method === 'post' && createOrderBody.safeParse(body).success) {
        // A valid order is fine to send, but keep most cases refused ones.
        if (r.next() < 0.7) continue;
      }
      cases.push({ ...base, label: 'body', json: body });
    } else if (op.body && kind < 7) {
      cases.push({
        ...base,
        label: 'raw body',
        raw: {
          text: r.pick(rawBodies),
          type: r.pick(['application/json', 'application/json', 'text/plain', 'application/problem+json']),
        },
      });
    } else if (op.query.length && kind < 8) {
      const params = new URLSearchParams();
      params.append(r.pick([...op.query, 'unknown']), String(junkValue(r, 'string')).slice(0, 400));
      if (r.next() < 0.3) params.append(r.pick(op.query), 'again');
      const tail = r.pick([
        '',
        '&cursor=%00',
        '&limit=%ff',
        '&status=%ED%A0%80',
        '&from=2026-01-01T00:00:00Z%00',
      ]);
      cases.push({ ...base, label: 'query', path: `${path}?${params.toString()}${tail}` });
    } else if (op.pathParams.length && kind < 9) {
      const junkId = r.pick([...junkStrings, 'a'.repeat(200), '.', '..', '%2e%2e', 'x'.repeat(20_000)]);
      const broken = op.path
        .replace('{id}', r.next() < 0.7 ? encodeSegment(junkId) : (target?.id ?? 'x'))
        .replace('{action}', encodeSegment(r.next() < 0.5 ? junkId : (action ?? 'pay')));
      cases.push({ ...base, label: 'path', path: broken, json: op.method === 'get' ? undefined : {} });
    } else {
      const header = r.pick(['Authorization', 'Idempotency-Key', 'Content-Type', 'X-Big', 'Accept']);
      const value =
        header === 'X-Big'
          ? 'b'.repeat(r.pick([100, 20_000]))
          : header === 'Authorization'
            ? r.pick(['Bearer', 'Bearer ', 'Basic eDp5', `Bearer ${'k'.repeat(600)}`, 'Bearer ok_not_a_key'])
            : header === 'Idempotency-Key'
              ? r.pick(['', ' ', 'with space', 'k'.repeat(300), 'ünïcode'])
              : header === 'Content-Type'
                ? r.pick([
                    'text/plain',
                    'application/json; charset=latin1',
                    'application/xml',
                    'multipart/form-data',
                  ])
                : r.pick(['text/html', '*/*', 'application/xml']);
      const json = op.body ? validBody(op, r, n, action) : undefined;
      if (base.mustRefuse && header !== 'Authorization' && header !== 'Content-Type') continue;
      cases.push({ ...base, label: `header ${header}`, headers: { ...base.headers, [header]: value }, json });
    }
  }
  return cases;
}

// ---- what a refused request must leave as it was --------------------------------------------

async function snapshot(orderId?: string) {
  const mine = { startsWith: marker };
  const [orders, keys, products, parties, principals, listings, refs, view] = await Promise.all([
    t.prisma.order.count({
      where: { OR: [{ clientId: mine }, { salespersonId: mine }, { merchantId: mine }] },
    }),
    t.prisma.idempotencyKey.count({ where: { principal: { subjectId: mine } } }),
    t.prisma.product.count({ where: { OR: [{ id: mine }, { name: { contains: marker } }] } }),
    t.prisma.party.count({ where: { id: mine } }),
    t.prisma.apiPrincipal.count({ where: { OR: [{ subjectId: mine }, { label: { contains: marker } }] } }),
    t.prisma.serviceListing.count({ where: { OR: [{ isvId: mine }, { name: { contains: marker } }] } }),
    t.prisma.paymentReference.count({ where: { reference: { contains: marker } } }),
    orderId ? t.status(orderId) : undefined,
  ]);
  return {
    orders,
    keys,
    products,
    parties,
    principals,
    listings,
    refs,
    order: view && {
      status: view.status,
      transitions: view.transitions.length,
      invoice: view.invoice?.status,
    },
  };
}

/** The order's row has caught up with its workflow and no projection failure is recorded. */
async function settled(orderId: string): Promise<void> {
  await eventually(
    async () => {
      const [view, row, failure] = await Promise.all([
        t.status(orderId),
        t.prisma.order.findUnique({ where: { id: orderId } }),
        t.prisma.projectionFailure.findUnique({ where: { orderId } }),
      ]);
      return { view, row, failure };
    },
    ({ view, row, failure }) =>
      failure === null &&
      row !== null &&
      row.status === view.status &&
      row.updatedAt.toISOString() === view.updatedAt,
  );
}

async function send(c: Case): Promise<request.Response> {
  let req = api()[c.method](c.path);
  if (c.as) req = req.set(c.as.auth);
  for (const [name, value] of Object.entries(c.headers)) req = req.set(name, value);
  if (c.raw) return req.set('Content-Type', c.raw.type).send(c.raw.text);
  if (c.json !== undefined) {
    // Sent as text so that header cases keep their own Content-Type.
    if (!c.headers['Content-Type']) req = req.set('Content-Type', 'application/json');
    return req.send(JSON.stringify(c.json));
  }
  return req;
}

it(`every route, ${CASES_PER_OPERATION} cases each (seed ${SEED}): no 5xx, problems only, refusals change nothing, acceptances are projected`, async () => {
  const r = seededRandom(SEED);
  const cases = operations.flatMap((op, i) => casesFor(op, r, i * 1000));
  expect(operations.length).toBeGreaterThanOrEqual(14);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let accepted = 0;
  for (const c of cases) {
    const what = `${c.label} ${c.method.toUpperCase()} ${c.path.slice(0, 120)} ${JSON.stringify(c.json ?? c.raw ?? c.headers)?.slice(0, 160)}`;
    const before = await snapshot(c.orderId);
    const res = await send(c);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) {
      failures.push(`${res.status} for ${what}: ${JSON.stringify(res.body)}`);
      continue;
    }
    if (res.status >= 400) {
      const problem = res.body as { status?: unknown; title?: unknown; detail?: unknown };
      if (
        !/^application\/problem\+json/.test(String(res.headers['content-type'])) ||
        problem.status !== res.status ||
        typeof problem.title !== 'string' ||
        typeof problem.detail !== 'string'
      ) {
        failures.push(
          `${res.status} not a problem for ${what}: ${res.headers['content-type']} ${res.text?.slice(0, 200)}`,
        );
        continue;
      }
      const after = await snapshot(c.orderId);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        failures.push(
          `refused ${res.status} but changed ${JSON.stringify(before)} -> ${JSON.stringify(after)}: ${what}`,
        );
      }
      continue;
    }
    if (c.mustRefuse) failures.push(`accepted ${res.status}: ${what}`);
    accepted++;
    // Accepted: what it did to an order reaches the projection before the next case.
    const orderId =
      c.orderId ?? (c.path === '/orders' && c.method === 'post' ? (res.body.id as string) : undefined);
    if (orderId && res.status !== 200) {
      try {
        await settled(orderId);
      } catch (error) {
        failures.push(
          `accepted ${res.status} but not projected (${(error as Error).message.slice(0, 300)}): ${what}`,
        );
      }
    }
  }
  expect(failures).toEqual([]);
  // The run reached the routes' own checks, not just the first gate.
  expect(cases.length).toBeGreaterThan(200);
  expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 401, 404, 409, 415, 422, 431]));
  expect(accepted).toBeGreaterThan(0);
}, 600_000);
