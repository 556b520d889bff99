// Every actor is confined to its own orders: for every role, every order it is not a party to is
// 404 (details, lists and every action; an online listing it may see is 403 for every action it
// has, 404 for names it has not),
// and every action its role may never take, or may not take in the order's status, is 403 or 409
// (or 422 for bad fields), with no change to the order.
import request from 'supertest';
import {
  allowedActions,
  checkoutLifecycle,
  isPartyTo,
  salesOrderLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
  type Actor,
  type AnyLifecycle,
  type Role,
} from '../../domain';
import { snapshotOf } from '../../api/orders/order-model';
import type { OrderView } from '../../workflows/contract';
import { listingWorkflowId } from '../../workflows/contract';
import { eventually, startApiTestEnv, type ApiTestEnv, type Caller } from './support';

let t: ApiTestEnv;
const partyRoles = [
  'client',
  'isv',
  'merchant',
  'salesperson',
  'customer',
] as const satisfies readonly Role[];
/** Two parties of each role: "a" owns the orders below, "b" owns nothing. */
const callers: Record<string, Caller> = {};
let everyone: Caller[];

interface Target {
  readonly name: string;
  readonly path: string;
  readonly lifecycle: AnyLifecycle;
  readonly view: () => Promise<OrderView>;
  readonly rows: () => Promise<unknown>;
}
const targets: Target[] = [];

const api = () => request(t.app);
const actorOf = (c: Caller): Actor => ({ role: c.role, id: c.subjectId });

async function act(caller: Caller, path: string, action: string, fields: object = {}) {
  const res = await api().post(`${path}/actions/${action}`).set(caller.auth).send(fields);
  if (res.status !== 202) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { status: string };
}

async function order(caller: Caller, body: object): Promise<string> {
  const res = await api().post('/orders').set(caller.auth).send(body);
  if (res.status !== 201) throw new Error(`POST /orders: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

function orderTarget(name: string, id: string, lifecycle: AnyLifecycle): Target {
  return {
    name,
    path: `/orders/${id}`,
    lifecycle,
    view: () => t.status(id),
    rows: async () => ({
      order: await t.prisma.order.findUnique({ where: { id }, include: { invoice: true, services: true } }),
      audit: await t.prisma.auditEntry.count({ where: { orderId: id } }),
    }),
  };
}

function listingTarget(name: string, id: string): Target {
  return {
    name,
    path: `/listings/${id}`,
    lifecycle: serviceListingLifecycle as unknown as AnyLifecycle,
    view: () => t.env.client.workflow.getHandle(listingWorkflowId(id)).query<OrderView>('status'),
    rows: () => t.prisma.serviceListing.findUnique({ where: { id } }),
  };
}

beforeAll(async () => {
  t = await startApiTestEnv();
  for (const role of partyRoles) {
    callers[`${role}-a`] = await t.caller(role);
    callers[`${role}-b`] = await t.caller(role);
  }
  callers.system = await t.caller('system');
  callers.admin = t.admin;
  everyone = Object.values(callers);
  const c = (name: string) => callers[name]!;
  const product = await t.product();

  const listing = (await api().post('/listings').set(c('isv-a').auth).send({ name: 'Listing' }).expect(201))
    .body.id as string;
  const online = (await api().post('/listings').set(c('isv-a').auth).send({ name: 'Online' }).expect(201))
    .body.id as string;
  await act(c('isv-a'), `/listings/${online}`, 'submit');
  await act(t.admin, `/listings/${online}`, 'approve');

  const checkout = await order(c('client-a'), { kind: 'checkout', items: [{ productId: product }] });
  const cancelled = await order(c('client-a'), { kind: 'checkout', items: [{ productId: product }] });
  await act(c('client-a'), `/orders/${cancelled}`, 'cancel');
  const service = await order(c('merchant-a'), { kind: 'service', listingId: online });
  const draft = await order(c('salesperson-a'), {
    kind: 'sales',
    customerId: c('customer-a').subjectId,
    items: [{ productId: product }],
  });
  const awaiting = await order(c('salesperson-a'), {
    kind: 'sales',
    customerId: c('customer-a').subjectId,
    items: [{ productId: product }],
  });
  await act(c('salesperson-a'), `/orders/${awaiting}`, 'send_for_customer_approval');

  const checkoutLc = checkoutLifecycle as unknown as AnyLifecycle;
  const salesLc = salesOrderLifecycle as unknown as AnyLifecycle;
  targets.push(
    orderTarget('checkout pending', checkout, checkoutLc),
    orderTarget('checkout cancelled', cancelled, checkoutLc),
    orderTarget('service new_order', service, serviceOrderLifecycle as unknown as AnyLifecycle),
    orderTarget('sales draft', draft, salesLc),
    orderTarget('sales awaiting_customer_approval', awaiting, salesLc),
    listingTarget('listing draft', listing),
    listingTarget('listing online', online),
  );
  // Settled: every order's projection has caught up with its workflow before the checks start.
  for (const target of targets) {
    const view = await target.view();
    await eventually(target.rows, (rows) => JSON.stringify(rows).includes(`"${view.status}"`));
  }
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

/** Every action name of every lifecycle, plus names no lifecycle has. */
const allActionNames = [
  ...new Set(
    [checkoutLifecycle, serviceOrderLifecycle, salesOrderLifecycle, serviceListingLifecycle].flatMap(
      (l) => l.actionNames as readonly string[],
    ),
  ),
  'retry',
  'delete',
  'constructor',
  '__proto__',
];

async function unchanged(target: Target, attempt: () => Promise<void>): Promise<void> {
  const before = { view: await target.view(), rows: await target.rows() };
  await attempt();
  const after = { view: await target.view(), rows: await target.rows() };
  expect(after.view.status).toBe(before.view.status);
  expect(after.view.transitions).toEqual(before.view.transitions);
  expect(after.view.updatedAt).toBe(before.view.updatedAt);
  expect(after.rows).toEqual(before.rows);
}

describe('foreign orders are 404 for every role', () => {
  it.each(partyRoles.flatMap((role) => ['a', 'b'].map((who) => `${role}-${who}`)))('%s', async (name) => {
    const caller = callers[name]!;
    for (const target of targets) {
      const view = await target.view();
      if (isPartyTo(actorOf(caller), view.parties)) continue;
      // Online listings are public to every role but ISVs (who see their own): visible, so no
      // 404, but the role may never act on another's listing (403).
      const isListingVisible =
        target.path.startsWith('/listings') && view.status === 'online' && caller.role !== 'isv';
      if (isListingVisible) {
        await unchanged(target, async () => {
          await api().get(target.path).set(caller.auth).expect(200);
          for (const action of allActionNames) {
            const res = await api()
              .post(`${target.path}/actions/${encodeURIComponent(action)}`)
              .set(caller.auth)
              .send({ reason: 'r' });
            // A name the listing's lifecycle does not know is no such action (404), for anyone.
            const known = (target.lifecycle.actionNames as readonly string[]).includes(action);
            expect([target.name, action, res.status]).toEqual([target.name, action, known ? 403 : 404]);
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(res.body).toMatchObject(
              known
                ? { status: 403, code: 'role_not_allowed', role: caller.role }
                : { status: 404, code: 'unknown_action', action },
            );
          }
        });
        continue;
      }
      await unchanged(target, async () => {
        const get = await api().get(target.path).set(caller.auth);
        expect([target.name, get.status]).toEqual([target.name, 404]);
        expect(get.headers['content-type']).toMatch(/^application\/problem\+json/);
        for (const action of allActionNames) {
          const res = await api()
            .post(`${target.path}/actions/${encodeURIComponent(action)}`)
            .set(caller.auth)
            .send({ reason: 'r', amountCents: 100, reference: 'x', outcome: 'fraud' });
          expect([target.name, action, res.status]).toEqual([target.name, action, 404]);
          // The same answer as for an order that does not exist: nothing about it leaks.
          expect(res.body.detail).toMatch(/^no such (order|listing)$/);
        }
      });
      if (target.path.startsWith('/orders')) {
        const list = await api().get('/orders?archived=true&limit=100').set(caller.auth).expect(200);
        expect((list.body.data as { id: string }[]).map((o) => o.id)).not.toContain(view.orderId);
      }
    }
  });
});

describe('parties, admins and the platform get 403 or 409 for what they may not do, with no change', () => {
  it.each(['admin', 'system', ...partyRoles.map((r) => `${r}-a`)])('%s', async (name) => {
    const caller = callers[name]!;
    const actor: Actor =
      caller.role === 'admin' || caller.role === 'system' ? { role: caller.role, id: 'x' } : actorOf(caller);
    for (const target of targets) {
      const view = await target.view();
      if (!isPartyTo(actor, view.parties)) continue;
      const now = new Date(await t.env.currentTimeMs());
      const allowed = allowedActions(target.lifecycle, snapshotOf(view), actor, { now });
      const callable = (action: string) =>
        target.lifecycle.transitions.some(
          (r) => r.action === action && r.roles.some((role) => role !== 'system'),
        );
      await unchanged(target, async () => {
        for (const action of target.lifecycle.actionNames) {
          if (allowed.includes(action) && callable(action)) continue;
          const res = await api().post(`${target.path}/actions/${action}`).set(caller.auth).send({});
          const mayEver = target.lifecycle.transitions.some(
            (r) => r.action === action && r.roles.includes(caller.role),
          );
          const expected = !mayEver || !callable(action) ? 403 : 409;
          expect([target.name, action, res.status]).toEqual([target.name, action, expected]);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          if (expected === 409) {
            expect(res.body.orderStatus).toBe(view.status);
            expect(res.body.allowedActions).toEqual(allowed.filter(callable));
          }
        }
      });
    }
  });

  it('invalid fields are 422 and change nothing', async () => {
    const cases: [string, Caller, string, object][] = [
      ['checkout pending', callers['client-a']!, 'pay', { amountCents: -5, reference: 'x' }],
      ['checkout pending', callers['client-a']!, 'pay', { amountCents: 10.5, reference: 'x' }],
      ['checkout pending', callers['client-a']!, 'pay', { amountCents: 100 }],
      ['checkout pending', callers.admin!, 'reject', { reason: 'fraud', outcome: 'maybe' }],
      ['service new_order', callers['isv-a']!, 'reject', {}],
      ['service new_order', callers['isv-a']!, 'reject', { reason: '   ' }],
      ['sales draft', callers['salesperson-a']!, 'submit', { expiresAt: 'tomorrow' }],
      ['sales awaiting_customer_approval', callers['customer-a']!, 'reject', { reason: 42 }],
      ['listing draft', callers['isv-a']!, 'submit', []],
    ];
    for (const [name, caller, action, fields] of cases) {
      const target = targets.find((x) => x.name === name)!;
      await unchanged(target, async () => {
        const res = await api().post(`${target.path}/actions/${action}`).set(caller.auth).send(fields);
        expect([name, action, res.status]).toEqual([name, action, 422]);
        expect(res.body.code).toBe('invalid_fields');
        expect(res.body.issues.length).toBeGreaterThan(0);
      });
    }
  });

  it('creating orders is confined to the roles that may', async () => {
    const product = await t.product();
    const before = await t.prisma.order.count();
    const forbidden: [Caller, object][] = [
      ...['isv-a', 'merchant-a', 'salesperson-a', 'customer-a', 'system'].map(
        (n) => [callers[n]!, { kind: 'checkout', items: [{ productId: product }] }] as [Caller, object],
      ),
      [
        callers['client-a']!,
        { kind: 'checkout', clientId: callers['client-b']!.subjectId, items: [{ productId: product }] },
      ],
      ...['client-a', 'isv-a', 'salesperson-a', 'customer-a', 'admin'].map(
        (n) => [callers[n]!, { kind: 'service', listingId: 'any-listing' }] as [Caller, object],
      ),
      ...['client-a', 'isv-a', 'merchant-a', 'customer-a', 'admin'].map(
        (n) =>
          [callers[n]!, { kind: 'sales', customerId: 'c', items: [{ productId: product }] }] as [
            Caller,
            object,
          ],
      ),
    ];
    for (const [caller, body] of forbidden) {
      const res = await api().post('/orders').set(caller.auth).send(body);
      expect([caller.role, body, res.status]).toEqual([caller.role, body, 403]);
    }
    for (const name of ['client-a', 'merchant-a', 'salesperson-a', 'customer-a']) {
      await api().post('/listings').set(callers[name]!.auth).send({ name: 'x' }).expect(403);
    }
    expect(await t.prisma.order.count()).toBe(before);
    expect(everyone.length).toBe(12);
  });
});
