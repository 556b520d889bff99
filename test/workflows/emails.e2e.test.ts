// Each lifecycle's emails as they arrive over SMTP: the real workflows on the devserver, the real
// worker and activities, Postgres, and the in-process SMTP server. Every email goes to the party
// the catalogue names and states the facts from the order (names from Postgres, facts of the
// event from the workflow), in both its text and its HTML part.
import type { WorkflowHandle } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import type { Actor } from '../../domain';
import { orderWorkflowId, type OrderItemInput, type OrderView } from '../../workflows/contract';
import {
  DAY_MS,
  orderIdOf,
  PUBLIC_API_URL,
  status,
  statusWhen,
  useWorkflowTestEnv,
} from './support/environment';
import { startCheckout, startSales } from './support/scenarios';

const t = useWorkflowTestEnv();
const admin: Actor = { role: 'admin', id: 'admin-1' };
const ADMINS = 'admins@example.test';

/** A party with a real name and address, as the API would have registered it. */
async function party(kind: string, name: string): Promise<Actor & { email: string }> {
  const id = t.id(kind);
  const email = `${id}@example.test`;
  await t.observed.prisma.party.create({ data: { id, kind, name, email } });
  return { role: kind as Actor['role'], id, email };
}

/** Waits until the order's emails have arrived (they drain after the status changes). */
async function emails(orderId: string, count: number) {
  return statusWhen(
    async () => t.observed.messagesFor(orderId),
    (messages) => messages.length >= count,
  );
}

function only(
  messages: { template: string; key?: string; mail: ParsedMail }[],
  template: string,
  key?: string,
) {
  const found = messages.filter((m) => m.template === template && (key === undefined || m.key === key));
  expect(found).toHaveLength(1);
  return found[0]!.mail;
}

/** The message went to `address` and states each fact in its subject or body, text and HTML alike. */
function expectMail(mail: ParsedMail, address: string, subject: string[], facts: string[]) {
  expect(mail.to).toMatchObject({ value: [{ address }] });
  for (const part of subject) expect(mail.subject).toContain(part);
  for (const fact of facts) {
    expect(mail.text).toContain(fact);
    expect(mail.html).toContain(fact);
  }
}

const itemsNamed = (): OrderItemInput[] => [
  {
    id: 'host',
    productId: t.id('vps'),
    productName: 'VPS Small',
    productType: 'hosting',
    quantity: 1,
    unitPriceCents: 2000,
  },
  {
    id: 'ssl',
    productId: t.id('ssl'),
    productName: 'SSL Certificate',
    productType: 'other',
    quantity: 1,
    unitPriceCents: 500,
  },
];

describe('checkout emails', () => {
  it('confirmation with the invoice, receipt, admin review, and a welcome per service with its login', async () => {
    const client = await party('client', 'Ada Lovelace');
    const handle = await startCheckout(t, { autoApprove: false, invoiceDueDays: 14 }, undefined, client, {
      items: itemsNamed(),
    });
    const orderId = orderIdOf(handle);
    const created = await status(handle);
    const due = `${created.invoice!.dueAt.slice(0, 16).replace('T', ' ')} UTC`;
    const reference = t.id('txn');
    await handle.signal('pay', { actor: client, fields: { amountCents: 2500, reference } });
    await statusWhen(
      async () => t.observed.emailsFor(orderId),
      (sent) => sent.includes('admin_order_awaiting_review'),
    );
    await handle.signal('approve', { actor: admin });
    const view = (await handle.result()) as OrderView;
    const account = view.services.find((s) => s.orderItemId === 'host')!.externalAccountId!;
    expect(account).toBeTruthy();

    const messages = await emails(orderId, 5);
    expect(messages.map((m) => m.template)).toEqual([
      'order_confirmation',
      'payment_receipt',
      'admin_order_awaiting_review',
      'welcome',
      'welcome',
    ]);
    expectMail(
      only(messages, 'order_confirmation'),
      client.email,
      [orderId, 'EUR 25.00', due],
      [
        'Ada Lovelace',
        'VPS Small',
        'SSL Certificate',
        'EUR 25.00',
        due,
        `POST ${PUBLIC_API_URL}/orders/${orderId}/actions/pay`,
        `GET ${PUBLIC_API_URL}/orders/${orderId}`,
      ],
    );
    expectMail(
      only(messages, 'payment_receipt'),
      client.email,
      ['Payment received', 'EUR 25.00'],
      ['Ada Lovelace', 'EUR 25.00', reference, view.invoice!.id],
    );
    expectMail(
      only(messages, 'admin_order_awaiting_review'),
      ADMINS,
      ['Ada Lovelace', 'EUR 25.00'],
      ['Ada Lovelace', client.id, 'EUR 25.00', reference],
    );
    expectMail(
      only(messages, 'welcome', 'host'),
      client.email,
      ['VPS Small', account],
      ['Ada Lovelace', 'VPS Small', account, 'Next steps'],
    );
    expectMail(
      only(messages, 'welcome', 'ssl'),
      client.email,
      ['SSL Certificate'],
      ['Ada Lovelace', 'SSL Certificate', 'needs no account'],
    );
  });

  it('an invoice left unpaid past its due date: the client is told the order is cancelled', async () => {
    const client = await party('client', 'Charles Babbage');
    const handle = await startCheckout(t, { invoiceDueDays: 3 }, undefined, client, { items: itemsNamed() });
    const orderId = orderIdOf(handle);
    const view = (await handle.result()) as OrderView;
    expect(view.status).toBe('cancelled');
    const messages = await emails(orderId, 2);
    expect(messages.map((m) => m.template)).toEqual(['order_confirmation', 'invoice_expired']);
    const due = `${view.invoice!.dueAt.slice(0, 16).replace('T', ' ')} UTC`;
    expectMail(
      only(messages, 'invoice_expired'),
      client.email,
      ['cancelled', view.invoice!.id, due],
      ['Charles Babbage', 'EUR 25.00', due, 'cancelled'],
    );
  });

  it('provisioning that fails for good tells the admins, naming client, product and error', async () => {
    const client = await party('client', 'Ada Byron');
    const items = itemsNamed();
    t.observed.failingProducts.add(items[0]!.productId);
    try {
      const handle = await startCheckout(t, {}, undefined, client, { items });
      const orderId = orderIdOf(handle);
      await handle.signal('pay', { actor: client, fields: { amountCents: 2500, reference: t.id('txn') } });
      await statusWhen(
        () => status(handle),
        (v) => v.services.some((s) => s.status === 'failed'),
      );
      const messages = await emails(orderId, 4);
      expectMail(
        only(messages, 'admin_provisioning_failed', 'host.1'),
        ADMINS,
        ['Provisioning failed', 'VPS Small', 'Ada Byron'],
        [
          'Ada Byron',
          'VPS Small',
          `${orderId}-service-1`,
          'panel refused',
          `/orders/${orderId}/actions/retry`,
        ],
      );
      await handle.terminate('test done');
    } finally {
      t.observed.failingProducts.delete(items[0]!.productId);
    }
  });
});

describe('sales order emails', () => {
  const items = (): OrderItemInput[] => [
    {
      id: 'crm',
      productId: t.id('crm'),
      productName: 'CRM Pro',
      productType: 'other',
      quantity: 1,
      unitPriceCents: 9900,
    },
  ];

  it('approval requested to the customer, declined to the salesperson, canceled to both', async () => {
    const salesperson = await party('salesperson', 'Sam Seller');
    const customer = await party('customer', 'Grace Hopper');
    const handle = await startSales(t, {
      salespersonId: salesperson.id,
      customerId: customer.id,
      createdBy: salesperson,
      currency: 'USD',
      items: items(),
    });
    const orderId = orderIdOf(handle);
    const expiresAt = new Date((await t.env.currentTimeMs()) + 5 * DAY_MS).toISOString();
    await handle.signal('send_for_customer_approval', { actor: salesperson, fields: { expiresAt } });
    await handle.signal('reject', { actor: customer, fields: { reason: 'too expensive' } });
    await handle.signal('cancel', { actor: salesperson });
    expect((await status(handle)).status).toBe('canceled');

    const messages = await emails(orderId, 4);
    expect(messages.map((m) => m.template)).toEqual([
      'customer_approval_requested',
      'salesperson_order_declined',
      'customer_order_canceled',
      'salesperson_order_canceled',
    ]);
    const expiry = `${expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
    expectMail(
      only(messages, 'customer_approval_requested'),
      customer.email,
      ['approve', expiry],
      ['Grace Hopper', 'Sam Seller', 'CRM Pro', 'USD 99.00', expiry],
    );
    expectMail(
      only(messages, 'salesperson_order_declined'),
      salesperson.email,
      ['declined', 'Grace Hopper', 'too expensive'],
      ['Sam Seller', 'Grace Hopper', 'declined by the customer', 'too expensive'],
    );
    expectMail(
      only(messages, 'customer_order_canceled'),
      customer.email,
      ['canceled'],
      ['Grace Hopper', 'CRM Pro'],
    );
    expectMail(
      only(messages, 'salesperson_order_canceled'),
      salesperson.email,
      ['canceled', 'Grace Hopper'],
      ['Sam Seller', 'Grace Hopper'],
    );
    await handle.terminate('test done');
  });

  it('activated: the customer is told which products, with their activation ids', async () => {
    const salesperson = await party('salesperson', 'Sam Seller');
    const customer = await party('customer', 'Grace Hopper');
    const handle = await startSales(t, {
      salespersonId: salesperson.id,
      customerId: customer.id,
      createdBy: salesperson,
      items: items(),
    });
    const orderId = orderIdOf(handle);
    await handle.signal('send_for_customer_approval', { actor: salesperson });
    await handle.signal('approve', { actor: customer });
    const activated = await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    const messages = await emails(orderId, 2);
    expectMail(
      only(messages, 'customer_order_activated'),
      customer.email,
      ['activated'],
      ['Grace Hopper', 'CRM Pro', activated.services[0]!.externalAccountId!],
    );
    await handle.terminate('test done');
  });
});

describe('service order emails', () => {
  async function startService(): Promise<{
    handle: WorkflowHandle;
    isv: Actor & { email: string };
    merchant: Actor & { email: string };
  }> {
    const isv = await party('isv', 'Iris Apps');
    const merchant = await party('merchant', 'Mo Retail');
    const listingId = t.id('lst');
    await t.observed.prisma.serviceListing.create({
      data: {
        id: listingId,
        isvId: isv.id,
        name: 'Loyalty mini program',
        priceCents: 50000,
        currency: 'EUR',
        status: 'online',
      },
    });
    const orderId = t.id('svc');
    const handle = await t.env.client.workflow.start('serviceOrder', {
      args: [{ orderId, listingId, isvId: isv.id, merchantId: merchant.id, createdBy: merchant }],
      taskQueue: t.taskQueue,
      workflowId: orderWorkflowId(orderId),
    });
    return { handle, isv, merchant };
  }

  it('new order to the ISV, delivery to the merchant, completion to the ISV', async () => {
    const { handle, isv, merchant } = await startService();
    for (const [action, actor] of [
      ['accept', isv],
      ['confirm', merchant],
      ['submit', isv],
      ['approve', merchant],
    ] as const) {
      await handle.signal(action, { actor });
    }
    expect(((await handle.result()) as OrderView).status).toBe('completed');
    const messages = await emails(orderIdOf(handle), 3);
    expectMail(
      only(messages, 'isv_new_service_order'),
      isv.email,
      ['New service order', 'Mo Retail', 'Loyalty mini program'],
      ['Iris Apps', 'Mo Retail', 'Loyalty mini program', 'EUR 500.00'],
    );
    expectMail(
      only(messages, 'merchant_delivery_awaiting_approval'),
      merchant.email,
      ['Iris Apps', 'Loyalty mini program'],
      ['Mo Retail', 'Iris Apps', 'Loyalty mini program', '/actions/approve'],
    );
    expectMail(
      only(messages, 'service_order_completed'),
      isv.email,
      ['completed', 'Mo Retail'],
      ['Iris Apps', 'Mo Retail', 'Loyalty mini program'],
    );
  });

  it('canceled by the merchant: the ISV is told, with the reason', async () => {
    const { handle, isv, merchant } = await startService();
    await handle.signal('accept', { actor: isv });
    await handle.signal('reject', { actor: merchant, fields: { reason: 'found another ISV' } });
    expect(((await handle.result()) as OrderView).status).toBe('canceled');
    const messages = await emails(orderIdOf(handle), 2);
    expectMail(
      only(messages, 'service_order_canceled'),
      isv.email,
      ['canceled by the merchant', 'Loyalty mini program'],
      ['Iris Apps', 'canceled by the merchant', 'found another ISV'],
    );
  });
});
