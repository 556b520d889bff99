// Every email of the catalogue rendered as a person receives it: rendered from its template,
// written as MIME by the real mailer (outbox) and parsed back with mailparser; the text and the
// HTML part must each state the facts the catalogue promises.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createMailer, outboxFileName } from '../../activities/email/mailer';
import { renderEmail, type EmailContext, type EmailData } from '../../activities/email/templates';
import { emailCatalogue, type EmailTemplate } from '../../domain';
import { emailsDocPath, renderEmailsDoc } from '../../scripts/docs-emails';

const ORDER = 'ord-1001';

const context: EmailContext = {
  order: {
    id: ORDER,
    kind: 'checkout',
    status: 'pending',
    totalCents: 2999,
    currency: 'USD',
    expiresAt: '2026-12-20T17:30:00.000Z',
  },
  recipient: { name: 'Iris Apps', email: 'iris@example.test' },
  parties: {
    client: { id: 'client-ada', name: 'Ada Lovelace', email: 'ada@example.test' },
    customer: { id: 'cust-grace', name: 'Grace Hopper', email: 'grace@example.test' },
    salesperson: { id: 'sales-sam', name: 'Sam Seller', email: 'sam@example.test' },
    isv: { id: 'isv-iris', name: 'Iris Apps', email: 'iris@example.test' },
    // Names are user input: the HTML part must escape them.
    merchant: { id: 'merchant-mo', name: 'Mo & Sons <Retail>', email: 'mo@example.test' },
  },
  items: [
    { id: 'item-1', productId: 'hosting-s', productName: 'Hosting S', quantity: 1, unitPriceCents: 499 },
    { id: 'item-2', productId: 'mail-pro', productName: 'Mail Pro', quantity: 2, unitPriceCents: 1250 },
  ],
  invoice: {
    id: 'inv-1001',
    status: 'unpaid',
    amountCents: 2999,
    currency: 'USD',
    dueAt: '2026-12-09T10:00:00.000Z',
  },
  services: [
    {
      id: `${ORDER}-item-1`,
      orderItemId: 'item-1',
      productId: 'hosting-s',
      productName: 'Hosting S',
      status: 'active',
      externalAccountId: 'acct-1001-1',
    },
    {
      id: `${ORDER}-item-2`,
      orderItemId: 'item-2',
      productId: 'mail-pro',
      productName: 'Mail Pro',
      status: 'failed',
      externalAccountId: null,
    },
  ],
  listing: { id: 'listing-7', name: 'Loyalty mini program', priceCents: 50000, currency: 'EUR' },
};

interface Case {
  key?: string;
  data?: EmailData;
  /** Must appear in the subject. */
  subject: string[];
  /** Must appear in the text part and in the HTML part. */
  facts: string[];
  /** Must appear in neither part. */
  absent?: string[];
}

const due = '2026-12-09 10:00 UTC';
const cases: Record<EmailTemplate, Case> = {
  order_confirmation: {
    data: { autoApprove: true },
    subject: ['received', 'USD 29.99', due],
    facts: [
      'Ada Lovelace',
      'Hosting S',
      'Mail Pro',
      'inv-1001',
      'USD 29.99',
      due,
      `POST /orders/${ORDER}/actions/pay`,
    ],
  },
  payment_receipt: {
    data: { amountCents: 2999, reference: 'pay-123', autoApprove: true },
    subject: ['Payment received', 'USD 29.99'],
    facts: ['Ada Lovelace', 'USD 29.99', 'pay-123', 'inv-1001', 'welcome email'],
  },
  admin_order_awaiting_review: {
    data: { clientId: 'client-ada', amountCents: 2999, reference: 'pay-123' },
    subject: ['Ada Lovelace', 'USD 29.99', 'awaits review'],
    facts: ['Ada Lovelace', 'client-ada', 'USD 29.99', 'pay-123', `/orders/${ORDER}/actions/approve`],
  },
  welcome: {
    key: 'item-1',
    data: {
      itemId: 'item-1',
      serviceId: `${ORDER}-item-1`,
      productId: 'hosting-s',
      accountId: 'acct-1001-1',
    },
    subject: ['Hosting S', 'is ready', 'acct-1001-1'],
    facts: ['Ada Lovelace', 'Hosting S', 'acct-1001-1', `${ORDER}-item-1`, 'Next steps', 'Log in'],
    absent: ['Mail Pro'],
  },
  admin_provisioning_failed: {
    key: 'item-2.3',
    data: {
      itemId: 'item-2',
      serviceId: `${ORDER}-item-2`,
      productId: 'mail-pro',
      attempt: 3,
      error: 'panel down',
    },
    subject: ['Provisioning failed', 'Mail Pro', 'Ada Lovelace'],
    facts: ['Ada Lovelace', 'Mail Pro', `${ORDER}-item-2`, 'panel down', `/orders/${ORDER}/actions/retry`],
    absent: ['Hosting S'],
  },
  invoice_expired: {
    subject: ['cancelled', 'inv-1001', 'not paid'],
    facts: ['Ada Lovelace', 'inv-1001', 'USD 29.99', due, 'cancelled'],
  },
  customer_approval_requested: {
    subject: ['approve', 'USD 29.99', 'offer expires 2026-12-20 17:30 UTC'],
    facts: [
      'Grace Hopper',
      'Sam Seller',
      'Hosting S',
      'USD 29.99',
      '2026-12-20 17:30 UTC',
      '/actions/approve',
      '/actions/reject',
    ],
  },
  admin_sales_order_submitted: {
    key: '2',
    data: { action: 'resubmit' },
    subject: ['Grace Hopper', 'awaits approval'],
    facts: ['resubmitted', 'Grace Hopper', 'Sam Seller', 'USD 29.99', '2026-12-20 17:30 UTC', 'Mail Pro'],
  },
  salesperson_order_declined: {
    key: '3',
    data: { reason: 'too expensive', declinedBy: 'the customer' },
    subject: ['declined', 'Grace Hopper', 'too expensive'],
    facts: [
      'Sam Seller',
      'Grace Hopper',
      'declined by the customer',
      'Reason',
      'too expensive',
      '/actions/resubmit',
    ],
  },
  admin_cancellation_requested: {
    key: '5',
    data: { reason: 'changed plans', requestedBy: 'customer cust-grace' },
    subject: ['Cancellation requested', 'Grace Hopper'],
    facts: ['Grace Hopper', 'customer cust-grace', 'changed plans', '/actions/approve'],
  },
  customer_order_activated: {
    subject: ['activated'],
    facts: ['Grace Hopper', 'Hosting S', 'acct-1001-1', 'Business App', 'Sam Seller'],
  },
  customer_order_canceled: {
    data: { reason: 'offer expired' },
    subject: ['canceled'],
    facts: ['Grace Hopper', 'Reason', 'offer expired', 'Hosting S'],
  },
  salesperson_order_canceled: {
    data: { reason: 'offer expired' },
    subject: ['canceled', 'Grace Hopper'],
    facts: ['Sam Seller', 'Grace Hopper', 'Reason', 'offer expired'],
  },
  isv_new_service_order: {
    data: { listingId: 'listing-7' },
    subject: ['New service order', 'Loyalty mini program'],
    facts: ['Iris Apps', 'Loyalty mini program', 'EUR 500.00', 'mo@example.test', '/actions/accept'],
  },
  merchant_delivery_awaiting_approval: {
    key: '6',
    subject: ['Iris Apps', 'delivered', 'approve'],
    facts: ['Iris Apps', 'Loyalty mini program', '/actions/approve', '/actions/reject'],
  },
  service_order_completed: {
    subject: ['completed', 'approved'],
    facts: ['Iris Apps', 'Loyalty mini program', 'completed'],
  },
  service_order_canceled: {
    data: { canceledBy: 'the merchant', reason: 'no longer needed' },
    subject: ['canceled by the merchant', 'Loyalty mini program'],
    facts: ['Dear Iris Apps', 'canceled by the merchant', 'Reason', 'no longer needed'],
  },
};

let outbox: string;
const parsed = new Map<EmailTemplate, ParsedMail>();

beforeAll(async () => {
  outbox = mkdtempSync(path.join(tmpdir(), 'email-templates-'));
  const mailer = createMailer({ from: 'Orders <orders@example.test>', outboxDir: outbox });
  const date = new Date('2026-12-02T10:00:00Z');
  for (const { template } of emailCatalogue) {
    const c = cases[template];
    const rendered = renderEmail(template, context, c.data, c.key);
    const name = `${ORDER}_${template}${c.key ? `_${c.key}` : ''}`;
    await mailer.send({ to: 'someone@example.test', ...rendered, messageId: `<${template}@t>`, date, name });
    parsed.set(template, await simpleParser(readFileSync(path.join(outbox, outboxFileName({ date, name })))));
  }
  mailer.close();
});

afterAll(() => rmSync(outbox, { recursive: true, force: true }));

test('the cases cover the catalogue, and every email has its own readable outbox file', () => {
  expect(Object.keys(cases).sort()).toEqual(emailCatalogue.map((e) => e.template).sort());
  expect(readdirSync(outbox)).toHaveLength(emailCatalogue.length);
  expect(readdirSync(outbox)).toContain(`2026-12-02T10-00-00Z_${ORDER}_welcome_item-1.eml`);
});

describe.each(emailCatalogue.map((e) => [e.template, e] as const))('%s', (template, definition) => {
  const c = cases[template];

  test('is multipart text + HTML, with a subject that says what happened', () => {
    const mail = parsed.get(template)!;
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.subject).toContain(ORDER);
    for (const part of c.subject) expect(mail.subject).toContain(part);
    expect(mail.text).toBeTruthy();
    expect(mail.html).toBeTruthy();
  });

  test(`states its facts in both parts (${definition.facts.join('; ')})`, () => {
    const mail = parsed.get(template)!;
    const html = mail.html as string;
    for (const fact of c.facts) {
      expect(mail.text).toContain(fact);
      expect(html).toContain(fact);
    }
    for (const fact of c.absent ?? []) {
      expect(mail.text).not.toContain(fact);
      expect(html).not.toContain(fact);
    }
    // No template field left unfilled.
    expect(mail.text).not.toMatch(/\{\{|undefined|null|NaN|\b(of|for|by) \./);
    expect(html).not.toMatch(/\{\{|undefined|NaN/);
  });

  test('renders the same message twice (a resend is identical)', () => {
    expect(renderEmail(template, context, c.data, c.key)).toEqual(
      renderEmail(template, context, c.data, c.key),
    );
  });
});

test('a welcome for a product without an account says so instead of naming a login', () => {
  const data = { itemId: 'item-2', serviceId: `${ORDER}-item-2`, productId: 'mail-pro', accountId: null };
  const { subject, text, html } = renderEmail('welcome', context, data, 'item-2');
  expect(subject).toBe(`Your Mail Pro is ready (order ${ORDER})`);
  for (const part of [text, html]) {
    expect(part).toContain('needs no account');
    expect(part).not.toContain('Account / login');
    expect(part).not.toContain('{{');
  }
  expect(html).toMatch(/<ul>\n<li>Nothing to set up/);
});

test("with the API's public address, the API calls and the order's address are written with it", () => {
  const apiUrl = 'https://orders.example.com/api';
  const withUrl = renderEmail('order_confirmation', { ...context, apiUrl }, { autoApprove: true });
  const without = renderEmail('order_confirmation', context, { autoApprove: true });
  for (const part of [withUrl.text, withUrl.html]) {
    expect(part).toContain(`POST ${apiUrl}/orders/${ORDER}/actions/pay`);
    expect(part).toContain(`GET ${apiUrl}/orders/${ORDER}`);
  }
  for (const part of [without.text, without.html]) {
    expect(part).toContain(`POST /orders/${ORDER}/actions/pay`);
    expect(part).not.toContain('GET ');
  }
});

test('the HTML part escapes names; the text part shows them as written', () => {
  const mail = parsed.get('isv_new_service_order')!;
  expect(mail.text).toContain('Mo & Sons <Retail>');
  expect(mail.html).toContain('Mo &amp; Sons &lt;Retail&gt;');
  expect(mail.html).not.toContain('<Retail>');
});

test('docs/emails.md equals the rendering of the catalogue (run `npm run docs:emails` after a change)', async () => {
  const doc = readFileSync(emailsDocPath, 'utf8');
  expect(doc).toBe(await renderEmailsDoc());
  for (const { template } of emailCatalogue) expect(doc).toContain(`\`${template}\``);
});
