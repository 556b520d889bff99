// The API reference: /openapi.json is a valid OpenAPI 3.1 document describing every response
// body, the answers of the running API conform to it, and /docs renders it with a working
// "Try it out" in headless Chromium.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { validate } from '@readme/openapi-parser';
import { chromium, type Browser } from 'playwright-core';
import request from 'supertest';
import type { z } from 'zod';
import {
  actionResultSchema,
  issuedKeySchema,
  listingActionResultSchema,
  listingPageSchema,
  listingSchema,
  liveSchema,
  orderPageSchema,
  orderSchema,
  productListSchema,
  readySchema,
  settingsSchema,
} from '../../api/resources';
import { startApiTestEnv, type ApiTestEnv } from './support';

let t: ApiTestEnv;
beforeAll(async () => {
  t = await startApiTestEnv();
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

const api = () => request(t.app);

/** The body conforms to the schema, and carries no field the schema does not describe. */
function expectConforms(schema: z.ZodObject, body: unknown): void {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`does not conform: ${parsed.error.message}\n${JSON.stringify(body)}`);
  const undocumented = Object.keys(body as object).filter((k) => !(k in schema.shape));
  expect(undocumented).toEqual([]);
}

describe('/openapi.json', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    const doc = (await api().get('/openapi.json').expect(200)).body;
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(`invalid: ${JSON.stringify(result.errors, null, 2)}`);
    expect(result.warnings).toEqual([]);
  });

  test('every success response describes its body (no empty object schema)', async () => {
    const doc = (await api().get('/openapi.json').expect(200)).body;
    const components = doc.components.schemas as Record<string, { properties?: object }>;
    const empty: string[] = [];
    type Response = { content?: Record<string, { schema?: { $ref?: string; properties?: object } }> };
    type Operation = { responses: Record<string, Response> };
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!status.startsWith('2')) continue;
          const schema = response.content?.['application/json']?.schema;
          const resolved = schema?.$ref ? components[schema.$ref.split('/').pop()!] : schema;
          if (!resolved?.properties || Object.keys(resolved.properties).length === 0) {
            empty.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(empty).toEqual([]);
    for (const name of [
      'Order',
      'OrderPage',
      'Listing',
      'HistoryEntry',
      'Service',
      'Invoice',
      'ActionResult',
    ]) {
      expect(components[name]).toBeDefined();
    }
  });
});

describe('answers conform to the reference', () => {
  test('keys, catalog, settings, health', async () => {
    expectConforms(liveSchema, (await api().get('/health/live').expect(200)).body);
    expectConforms(readySchema, (await api().get('/health/ready').expect(200)).body);
    const issued = await api()
      .post('/principals')
      .set(t.admin.auth)
      .send({ role: 'client', subjectId: t.id('client'), name: 'Reference Client' })
      .expect(201);
    expectConforms(issuedKeySchema, issued.body);
    await t.product({ type: 'hosting' });
    expectConforms(productListSchema, (await api().get('/products').set(t.admin.auth).expect(200)).body);
    expectConforms(settingsSchema, (await api().get('/settings').set(t.admin.auth).expect(200)).body);
  });

  test('a checkout order: created, listed, paid, shown with invoice, services and history', async () => {
    const client = await t.caller('client');
    const product = await t.product({ type: 'hosting', priceCents: 1200 });
    const created = await api()
      .post('/orders')
      .set(client.auth)
      .send({ kind: 'checkout', items: [{ productId: product }] })
      .expect(201);
    expectConforms(orderSchema, created.body);
    expect(created.body.invoice).not.toBeNull();
    const id = created.body.id as string;
    expectConforms(orderPageSchema, (await api().get('/orders').set(client.auth).expect(200)).body);
    const paid = await api()
      .post(`/orders/${id}/actions/pay`)
      .set(client.auth)
      .send({ amountCents: 1200, reference: t.id('ref') })
      .expect(202);
    expectConforms(actionResultSchema, paid.body);
    const approved = await api().post(`/orders/${id}/actions/approve`).set(t.admin.auth).send({}).expect(202);
    expectConforms(actionResultSchema, approved.body);
    const shown = (await api().get(`/orders/${id}`).set(client.auth).expect(200)).body;
    expectConforms(orderSchema, shown);
    expect(shown.history.length).toBeGreaterThan(0);
  });

  test('a listing: created, listed, submitted, shown with its history', async () => {
    const isv = await t.caller('isv');
    const created = await api()
      .post('/listings')
      .set(isv.auth)
      .send({ name: 'Reference listing', priceCents: 50000 })
      .expect(201);
    expectConforms(listingSchema, created.body);
    const id = created.body.id as string;
    expectConforms(listingPageSchema, (await api().get('/listings').set(isv.auth).expect(200)).body);
    const submitted = await api().post(`/listings/${id}/actions/submit`).set(isv.auth).send({}).expect(202);
    expectConforms(listingActionResultSchema, submitted.body);
    const shown = (await api().get(`/listings/${id}`).set(isv.auth).expect(200)).body;
    expectConforms(listingSchema, shown);
    expect(shown.history.length).toBeGreaterThan(0);
  });
});

describe('/docs in headless Chromium', () => {
  // Debian's chromium (`apt-get install chromium`; .ci/run installs it); another with CHROMIUM_PATH.
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  let browser: Browser;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`no Chromium at ${executablePath}: install Debian's chromium or set CHROMIUM_PATH`);
    }
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    // No server when the set-up stopped early (no Chromium): nothing to close, nothing to wait for.
    if (server) await new Promise((resolve) => server.close(resolve));
  });

  test('renders every operation, loads nothing from elsewhere, and Try it out calls the API', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const failures: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('pageerror', (e) => failures.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') failures.push(m.text());
    });
    await page.goto(`${base}/docs`);
    const doc = (await api().get('/openapi.json').expect(200)).body;
    const operations = Object.values(doc.paths as Record<string, object>).reduce(
      (n, item) => n + Object.keys(item).length,
      0,
    );
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(operations);

    // Authorize with a key, then run GET /orders from the page.
    const client = await t.caller('client');
    await page
      .getByRole('button', { name: /authorize/i })
      .first()
      .click();
    await page.locator('.auth-container input').fill(client.key);
    await page.locator('.auth-btn-wrapper button.authorize').click();
    await page.locator('.btn-done, button.close-modal').first().click();
    const list = page.locator('#operations-default-get_orders');
    await list.locator('.opblock-summary').click();
    await list.getByRole('button', { name: 'Execute' }).click();
    const status = list.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('200');
    await page.screenshot({
      path: `${process.env.DOCS_SCREENSHOT_DIR ?? '/tmp'}/api-docs.png`,
      fullPage: false,
    });
    expect(foreign).toEqual([]);
    expect(failures).toEqual([]);
  }, 60_000);
});
