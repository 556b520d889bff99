// CreateAccount and sales activation against the simulated panel kept in the test database:
// one panel account per service whatever the retries, failure injection, heartbeats.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createProjectionActivities } from '../../activities/projection/project-order';
import { InMemoryAccountStore, PrismaAccountStore } from '../../activities/provisioning/account-stores';
import { parseProductList, SimulatedProvisioner } from '../../activities/provisioning/provisioner';
import { createProvisioningActivities } from '../../activities/provisioning/provisioning-activities';
import { loadConfig } from '../../config';
import { testPrisma } from '../setup/database';
import { checkoutView, ids, type Ids } from './fixtures';

const prisma = testPrisma();
const { projectOrder } = createProjectionActivities({ prisma });

function setup(options: { failing?: string[]; latencyMs?: number } = {}) {
  const provisioner = new SimulatedProvisioner(new PrismaAccountStore(prisma), {
    failingProducts: options.failing,
    latencyMs: options.latencyMs,
  });
  return { provisioner, ...createProvisioningActivities({ prisma, provisioner }) };
}

const accountRequest = (k: Ids) => ({
  orderId: k.orderId,
  serviceId: k.serviceId,
  orderItemId: k.itemId,
  productId: k.productId,
  clientId: k.clientId,
});

const panelAccounts = (key: string) => prisma.panelAccount.findMany({ where: { idempotencyKey: key } });

async function projected(): Promise<Ids> {
  const k = ids('prov');
  await projectOrder(checkoutView(k), []);
  return k;
}

describe('createAccount', () => {
  test('twice (a retry) makes one panel account and records it on the service', async () => {
    const k = await projected();
    const { createAccount } = setup();
    const first = await createAccount(accountRequest(k));
    const second = await createAccount(accountRequest(k));
    expect(second).toEqual(first);
    expect(await panelAccounts(k.serviceId)).toEqual([
      expect.objectContaining({
        kind: 'account',
        accountId: first.accountId,
        productId: k.productId,
        ownerId: k.clientId,
      }),
    ]);
    expect(await prisma.service.findUnique({ where: { id: k.serviceId } })).toMatchObject({
      externalAccountId: first.accountId,
      attempts: 1,
      lastError: null,
    });
  });

  test('concurrent attempts (a zombie and its retry, on two workers) agree on one account', async () => {
    const k = await projected();
    const a = setup();
    const b = setup();
    const results = await Promise.all([
      a.createAccount(accountRequest(k)),
      b.createAccount(accountRequest(k)),
      a.createAccount(accountRequest(k)),
    ]);
    expect(new Set(results.map((r) => r.accountId)).size).toBe(1);
    expect(await panelAccounts(k.serviceId)).toHaveLength(1);
  });

  test('a crash after the panel call but before recording it: the retry gets the same account', async () => {
    const k = await projected();
    const { provisioner, createAccount } = setup();
    // The panel created the account; the worker died before updating the service row.
    const created = await provisioner.createAccount(accountRequest(k));
    expect(await createAccount(accountRequest(k))).toEqual(created);
    expect(await panelAccounts(k.serviceId)).toHaveLength(1);
  });

  test('a failing product fails retryably, records the error, and succeeds once healed', async () => {
    const k = await projected();
    const { provisioner, createAccount } = setup({ failing: [k.productId] });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await createAccount(accountRequest(k)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: 'ProvisioningError', nonRetryable: false });
      expect((error as Error).message).toContain(k.productId);
    }
    expect(await prisma.service.findUnique({ where: { id: k.serviceId } })).toMatchObject({
      externalAccountId: null,
      attempts: 2,
      lastError: expect.stringContaining(k.productId),
    });
    expect(await panelAccounts(k.serviceId)).toHaveLength(0);

    provisioner.setFailing(k.productId, false); // the admin fixed the panel, then retries
    const { accountId } = await createAccount(accountRequest(k));
    expect(await prisma.service.findUnique({ where: { id: k.serviceId } })).toMatchObject({
      externalAccountId: accountId,
      attempts: 3,
      lastError: null,
    });
  });

  test('works before the service row is projected (the next projection carries the id)', async () => {
    const k = ids('early');
    const { createAccount } = setup();
    const { accountId } = await createAccount(accountRequest(k));
    expect(await panelAccounts(k.serviceId)).toEqual([expect.objectContaining({ accountId })]);
  });

  test('a request contradicting the service row, or malformed, fails without retry', async () => {
    const k = await projected();
    const { createAccount } = setup();
    for (const request of [
      { ...accountRequest(k), orderId: `${k.orderId}-other` },
      { ...accountRequest(k), serviceId: '' },
      { ...accountRequest(k), clientId: undefined as unknown as string },
    ]) {
      const error = await createAccount(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable).toBe(true);
    }
    expect(await panelAccounts(k.serviceId)).toHaveLength(0);
  });

  test('heartbeats while it waits for the panel when scheduled with a heartbeat timeout', async () => {
    const k = await projected();
    const { createAccount } = setup({ latencyMs: 1_500 });
    // A third of the timeout apart: 300 ms, so several during the panel's 1.5 s.
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 900 });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    await env.run(createAccount, accountRequest(k));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toEqual({ serviceId: k.serviceId });
  });

  test('sends no heartbeat when the panel answers before the first interval', async () => {
    const k = await projected();
    const { createAccount } = setup();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    await expect(env.run(createAccount, accountRequest(k))).resolves.toEqual({
      accountId: expect.any(String),
    });
    expect(beats).toEqual([]);
  });

  test('sends no heartbeats without a heartbeat timeout (nobody would read them)', async () => {
    const k = await projected();
    const { createAccount } = setup({ latencyMs: 1_500 });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    await expect(env.run(createAccount, accountRequest(k))).resolves.toEqual({
      accountId: expect.any(String),
    });
    expect(beats).toEqual([]);
  });
});

describe('activateProduct', () => {
  const activation = (k: Ids) => ({
    orderId: k.orderId,
    orderItemId: k.itemId,
    productId: k.productId,
    customerId: k.clientId,
  });

  test('is idempotent per order item', async () => {
    const k = ids('act');
    const { activateProduct } = setup();
    const first = await activateProduct(activation(k));
    expect(await activateProduct(activation(k))).toEqual(first);
    expect(await panelAccounts(`${k.orderId}-${k.itemId}`)).toEqual([
      expect.objectContaining({ kind: 'activation', accountId: first.activationId }),
    ]);
  });

  test('the same item id in another order is another activation, owned by that customer', async () => {
    const a = ids('actx');
    const b = { ...ids('acty'), itemId: a.itemId };
    const { activateProduct } = setup();
    const first = await activateProduct(activation(a));
    const second = await activateProduct(activation(b));
    expect(second.activationId).not.toBe(first.activationId);
    expect(await panelAccounts(`${b.orderId}-${b.itemId}`)).toEqual([
      expect.objectContaining({ accountId: second.activationId, ownerId: b.clientId }),
    ]);
  });

  test('fails per product, retryably', async () => {
    const k = ids('actf');
    const { activateProduct } = setup({ failing: [k.productId] });
    await expect(activateProduct(activation(k))).rejects.toMatchObject({
      type: 'ProvisioningError',
      nonRetryable: false,
    });
    const other = { ...activation(k), orderItemId: `${k.itemId}-2`, productId: `${k.productId}-ok` };
    await expect(activateProduct(other)).resolves.toEqual({ activationId: expect.any(String) });
  });
});

describe('failure injection from the environment', () => {
  test('PROVISIONER_FAIL_PRODUCTS lists the failing products', async () => {
    const config = loadConfig({ PROVISIONER_FAIL_PRODUCTS: ' p-1, p-2 ,,' });
    expect(parseProductList(config.PROVISIONER_FAIL_PRODUCTS)).toEqual(['p-1', 'p-2']);
    const provisioner = new SimulatedProvisioner(new InMemoryAccountStore(), {
      failingProducts: parseProductList(config.PROVISIONER_FAIL_PRODUCTS),
    });
    const request = { serviceId: 's', orderId: 'o', productId: 'p-2', clientId: 'c' };
    await expect(provisioner.createAccount(request)).rejects.toThrow(
      'panel refused to create an account for product p-2',
    );
    await expect(provisioner.createAccount({ ...request, productId: 'p-3' })).resolves.toEqual({
      accountId: 'acct-s',
    });
  });
});
