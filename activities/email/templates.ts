// Subject, plain text and HTML of every email in the catalogue (domain/emails.ts). Rendering is a
// pure function of the template, the order's facts read from Postgres (EmailContext) and the
// event's data, so a retry renders the same message.
//
// Handlebars: the most used and long-kept logic-less template library on npm; it escapes HTML in
// `{{ }}` by default (party names and reasons are user input), and compiles once at load time.
import Handlebars from 'handlebars';
import { emailCatalogue, type EmailTemplate } from '../../domain/emails';
import type { SendEmailRequest } from '../contract';

export type EmailData = NonNullable<SendEmailRequest['data']>;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface EmailParty {
  id: string;
  name: string;
  email: string;
}

/** What the templates know of the order: its projection in Postgres when the email is sent. */
export interface EmailContext {
  order: {
    id: string;
    kind: string;
    status: string;
    statusReason?: string | null;
    totalCents: number;
    currency: string;
    expiresAt?: string | null;
  };
  recipient: { name: string; email: string };
  /** The API's public address: API calls and the order's link are written with it when known. */
  apiUrl?: string;
  parties: Partial<Record<'client' | 'customer' | 'salesperson' | 'isv' | 'merchant', EmailParty>>;
  items: { id: string; productId: string; productName: string; quantity: number; unitPriceCents: number }[];
  invoice?: {
    id: string;
    status: string;
    amountCents: number;
    currency: string;
    dueAt: string;
    paidAmountCents?: number | null;
    paymentReference?: string | null;
  } | null;
  services: {
    id: string;
    orderItemId: string;
    productId: string;
    productName: string;
    status: string;
    externalAccountId?: string | null;
  }[];
  listing?: { id: string; name: string; priceCents?: number | null; currency: string } | null;
}

interface TemplateSource {
  subject: string;
  /** Paragraphs of the message, in Handlebars; shared by the text and HTML parts (see `render`). */
  body: string;
}

const hb = Handlebars.create();

/** Integer cents as an amount in the currency ("USD 4.99"); ISO code first, so any code reads the same. */
hb.registerHelper('money', (cents: unknown, currency: unknown) => {
  if (typeof cents !== 'number' || !Number.isFinite(cents)) return '';
  const amount = (Math.abs(cents) / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}${typeof currency === 'string' && currency ? `${currency} ` : ''}${amount}`;
});
/** An instant as "2026-12-02 10:00 UTC": one clock, no reader's locale guessed. */
hb.registerHelper('date', (value: unknown) => {
  const time = typeof value === 'string' || value instanceof Date ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) return '';
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
});
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);

// Lines of the body: a line starting with "- " is a list item, "> " a command to run or copy,
// "# " a detail line ("Label: value"); an empty line separates paragraphs.
const sources: { readonly [T in EmailTemplate]: TemplateSource } = {
  order_confirmation: {
    subject:
      'Order {{order.id}} received: invoice {{invoice.id}} of {{money invoice.amountCents invoice.currency}} due {{date invoice.dueAt}}',
    body: `Dear {{parties.client.name}},

thank you for your order {{order.id}}. We have received it and generated its invoice.

{{#each items}}
- {{productName}} x {{quantity}}: {{money unitPriceCents ../order.currency}}
{{/each}}
# Invoice: {{invoice.id}}
# Amount due: {{money invoice.amountCents invoice.currency}}
# Due date: {{date invoice.dueAt}}

How to pay: pay the invoice through the order API with your payment reference:
> POST {{apiUrl}}/orders/{{order.id}}/actions/pay {"amountCents": {{invoice.amountCents}}, "reference": "<your payment reference>"}

Your services are set up once the invoice is paid{{#if data.autoApprove}}{{else}} and the order is reviewed{{/if}}. If the invoice is not paid by its due date, the order may be cancelled.`,
  },
  payment_receipt: {
    subject: 'Payment received for order {{order.id}}: {{money data.amountCents invoice.currency}}',
    body: `Dear {{parties.client.name}},

we have received your payment for invoice {{invoice.id}} of order {{order.id}}. Thank you.

# Amount paid: {{money data.amountCents invoice.currency}}
# Payment reference: {{data.reference}}
# Invoice: {{invoice.id}} ({{money invoice.amountCents invoice.currency}})

{{#if data.autoApprove}}Your services are being set up now; you will receive a welcome email for each of them.{{else}}Your order is being reviewed; your services are set up once it is approved.{{/if}}`,
  },
  admin_order_awaiting_review: {
    subject:
      'Order {{order.id}} of {{parties.client.name}} is paid ({{money data.amountCents invoice.currency}}) and awaits review',
    body: `Order {{order.id}} has been paid and awaits your review (auto-approve is off).

# Client: {{parties.client.name}} ({{parties.client.id}}, {{parties.client.email}})
# Amount paid: {{money data.amountCents invoice.currency}}
# Payment reference: {{data.reference}}
# Invoice: {{invoice.id}}

{{#each items}}
- {{productName}} x {{quantity}}: {{money unitPriceCents ../order.currency}}
{{/each}}
Approve it to set up its services, or reject it as fraud or cancelled:
> POST {{apiUrl}}/orders/{{order.id}}/actions/approve {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"outcome": "fraud", "reason": "..."}`,
  },
  welcome: {
    subject:
      'Your {{service.productName}} is ready (order {{order.id}}){{#if data.accountId}}: login {{data.accountId}}{{/if}}',
    body: `Dear {{parties.client.name}},

welcome! Your {{service.productName}} of order {{order.id}} has been set up and is ready to use.

# Product: {{service.productName}}
{{#if data.accountId}}
# Account / login: {{data.accountId}}
{{/if}}
# Service: {{data.serviceId}}

Next steps:
{{#if data.accountId}}
- Log in to the control panel with the account {{data.accountId}}; the panel sends your password separately.
- Point your domain's DNS at the service, then upload your site or set up your mailboxes.
- Keep this email: the account id is what support asks for.
{{else}}
- Nothing to set up: this product needs no account and is active now.
- Keep this email: the service id is what support asks for.
{{/if}}`,
  },
  admin_provisioning_failed: {
    subject: 'Provisioning failed: {{service.productName}} of order {{order.id}} ({{parties.client.name}})',
    body: `Provisioning of a service of order {{order.id}} failed after its retries were exhausted.

# Client: {{parties.client.name}} ({{parties.client.id}})
# Product: {{service.productName}} ({{data.productId}})
# Service: {{data.serviceId}}
# Attempt: {{data.attempt}}
# Error: {{data.error}}

Fix the cause, then retry the order's failed services:
> POST {{apiUrl}}/orders/{{order.id}}/actions/retry {}`,
  },
  invoice_expired: {
    subject: 'Order {{order.id}} cancelled: invoice {{invoice.id}} was not paid by {{date invoice.dueAt}}',
    body: `Dear {{parties.client.name}},

the invoice {{invoice.id}} of your order {{order.id}} was not paid by its due date, so the order has been cancelled. No services were set up and nothing is owed.

# Invoice: {{invoice.id}}
# Amount: {{money invoice.amountCents invoice.currency}}
# Due date: {{date invoice.dueAt}}

{{#each items}}
- {{productName}} x {{quantity}}
{{/each}}
If you still want these products, place a new order.`,
  },
  customer_approval_requested: {
    subject:
      'Please approve sales order {{order.id}} ({{money order.totalCents order.currency}}){{#if order.expiresAt}}, offer expires {{date order.expiresAt}}{{/if}}',
    body: `Dear {{parties.customer.name}},

{{parties.salesperson.name}} has prepared sales order {{order.id}} for you and asks for your approval.

{{#each items}}
- {{productName}} x {{quantity}}: {{money unitPriceCents ../order.currency}}
{{/each}}
# Total: {{money order.totalCents order.currency}}
{{#if order.expiresAt}}
# Offer expires: {{date order.expiresAt}}
{{/if}}
Approve or decline it (a reason helps your salesperson):
> POST {{apiUrl}}/orders/{{order.id}}/actions/approve {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"reason": "..."}`,
  },
  admin_sales_order_submitted: {
    subject:
      'Sales order {{order.id}} for {{parties.customer.name}} ({{money order.totalCents order.currency}}) awaits approval',
    body: `{{parties.salesperson.name}} has {{#if (eq data.action "resubmit")}}resubmitted{{else}}submitted{{/if}} sales order {{order.id}} for your approval.

# Customer: {{parties.customer.name}} ({{parties.customer.id}})
# Salesperson: {{parties.salesperson.name}} ({{parties.salesperson.id}})
# Total: {{money order.totalCents order.currency}}
{{#if order.expiresAt}}
# Offer expires: {{date order.expiresAt}}
{{/if}}
{{#each items}}
- {{productName}} x {{quantity}}: {{money unitPriceCents ../order.currency}}
{{/each}}
> POST {{apiUrl}}/orders/{{order.id}}/actions/approve {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"reason": "..."}`,
  },
  salesperson_order_declined: {
    subject:
      'Sales order {{order.id}} for {{parties.customer.name}} was declined{{#if data.reason}}: {{data.reason}}{{/if}}',
    body: `Dear {{parties.salesperson.name}},

sales order {{order.id}} for {{parties.customer.name}} was declined by {{data.declinedBy}}.

# Reason: {{#if data.reason}}{{data.reason}}{{else}}none given{{/if}}
# Total: {{money order.totalCents order.currency}}

Reach out to {{data.declinedBy}} to address the reason, then resubmit the order:
> POST {{apiUrl}}/orders/{{order.id}}/actions/resubmit {}`,
  },
  admin_cancellation_requested: {
    subject: 'Cancellation requested for sales order {{order.id}} of {{parties.customer.name}}',
    body: `A cancellation of sales order {{order.id}} was requested by {{data.requestedBy}}.

# Customer: {{parties.customer.name}} ({{parties.customer.id}})
# Salesperson: {{parties.salesperson.name}}
# Reason: {{#if data.reason}}{{data.reason}}{{else}}none given{{/if}}

Approve the cancellation, or reject it to return the order to its previous status:
> POST {{apiUrl}}/orders/{{order.id}}/actions/approve {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"reason": "..."}`,
  },
  customer_order_activated: {
    subject: 'Your products of sales order {{order.id}} are activated',
    body: `Dear {{parties.customer.name}},

all products of your sales order {{order.id}} are activated. You can access them in Business App now.

{{#each services}}
- {{productName}}: activation {{externalAccountId}}
{{/each}}
Questions? Your salesperson {{parties.salesperson.name}} ({{parties.salesperson.email}}) is glad to help.`,
  },
  customer_order_canceled: {
    subject: 'Sales order {{order.id}} was canceled',
    body: `Dear {{parties.customer.name}},

your sales order {{order.id}} has been canceled. Its products will not be activated.

# Reason: {{#if data.reason}}{{data.reason}}{{else}}none given{{/if}}

{{#each items}}
- {{productName}} x {{quantity}}
{{/each}}
Questions? Your salesperson {{parties.salesperson.name}} ({{parties.salesperson.email}}) is glad to help.`,
  },
  salesperson_order_canceled: {
    subject: 'Sales order {{order.id}} for {{parties.customer.name}} was canceled',
    body: `Dear {{parties.salesperson.name}},

sales order {{order.id}} for {{parties.customer.name}} has been canceled.

# Reason: {{#if data.reason}}{{data.reason}}{{else}}none given{{/if}}
# Total: {{money order.totalCents order.currency}}`,
  },
  isv_new_service_order: {
    subject: 'New service order {{order.id}} from {{parties.merchant.name}} for {{listing.name}}',
    body: `Dear {{parties.isv.name}},

{{parties.merchant.name}} has ordered your service {{listing.name}}.

# Order: {{order.id}}
# Service: {{listing.name}} ({{listing.id}})
{{#if listing.priceCents}}
# Price: {{money listing.priceCents listing.currency}}
{{/if}}
# Merchant: {{parties.merchant.name}} ({{parties.merchant.email}})

Accept the order to start, or reject it:
> POST {{apiUrl}}/orders/{{order.id}}/actions/accept {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"reason": "..."}`,
  },
  merchant_delivery_awaiting_approval: {
    subject: '{{parties.isv.name}} delivered {{listing.name}} (service order {{order.id}}): please approve',
    body: `Dear {{parties.merchant.name}},

{{parties.isv.name}} has finished {{listing.name}} for service order {{order.id}} and asks for your approval.

Approve the delivery to complete the order, or reject it to send it back to development:
> POST {{apiUrl}}/orders/{{order.id}}/actions/approve {}
> POST {{apiUrl}}/orders/{{order.id}}/actions/reject {"reason": "..."}`,
  },
  service_order_completed: {
    subject: 'Service order {{order.id}} completed: {{parties.merchant.name}} approved {{listing.name}}',
    body: `Dear {{parties.isv.name}},

{{parties.merchant.name}} approved your delivery of {{listing.name}}. Service order {{order.id}} is completed and allows no further processing.`,
  },
  service_order_canceled: {
    subject: 'Service order {{order.id}} for {{listing.name}} was canceled by {{data.canceledBy}}',
    body: `Dear {{recipient.name}},

service order {{order.id}} for {{listing.name}} was canceled by {{data.canceledBy}}. It allows no further processing.

# Reason: {{#if data.reason}}{{data.reason}}{{else}}none given{{/if}}
# ISV: {{parties.isv.name}}
# Merchant: {{parties.merchant.name}}`,
  },
};

interface Compiled {
  subject: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
}

const FOOTER = 'This message was sent by the order service about order';
// Where the order is read (with the reader's API key), when the API's public address is known.
const ORDER_ADDRESS = '{{#if apiUrl}} Its current state: GET {{apiUrl}}/orders/{{order.id}}{{/if}}';

/**
 * One body source gives both parts: the text part as written, the HTML part with paragraphs,
 * lists, detail rows and commands as markup. Built from the source's lines before compiling, so
 * Handlebars escapes every value in the HTML part.
 */
function htmlSource(body: string): string {
  const blocks = body.split(/\n{2,}/);
  const html = blocks.map((block) => {
    const lines = block.split('\n').filter((line) => line !== '');
    const kinds = lines.map((line) => (/^(- |> |# )/.test(line) ? line.slice(0, 2) : 'p'));
    const out: string[] = [];
    let open: string | undefined;
    const close = () => {
      if (open) out.push(open);
      open = undefined;
    };
    const openFor = (kind: string): void => {
      const [start, end] = kind === '- ' ? ['<ul>', '</ul>'] : ['<table cellpadding="4">', '</table>'];
      if (open === end) return;
      close();
      out.push(start);
      open = end;
    };
    lines.forEach((line, i) => {
      const kind = kinds[i]!;
      const rest = kind === 'p' ? line : line.slice(2);
      // A line of a Handlebars block tag ({{#each}}, {{/if}}) stays as it is; a list or table its
      // block repeats is opened before the tag, so the block repeats rows, not whole lists.
      if (kind === 'p' && /^\{\{([#/][^}]*|else)\}\}$/.test(line)) {
        const next = kinds[i + 1];
        if (line.startsWith('{{#') && (next === '- ' || next === '# ')) openFor(next);
        return out.push(line);
      }
      if (kind === '- ') {
        openFor(kind);
        out.push(`<li>${rest}</li>`);
      } else if (kind === '# ') {
        openFor(kind);
        const [label, ...value] = rest.split(': ');
        out.push(`<tr><th align="left">${label}</th><td>${value.join(': ')}</td></tr>`);
      } else if (kind === '> ') {
        close();
        out.push(`<pre style="background:#f4f4f4;padding:8px">${rest}</pre>`);
      } else {
        close();
        out.push(`<p>${rest}</p>`);
      }
    });
    close();
    return out.join('\n');
  });
  return [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.4;max-width:640px">',
    ...html,
    `<hr><p style="color:#777;font-size:small">${FOOTER} {{order.id}}.${ORDER_ADDRESS}</p>`,
    '</body></html>',
  ].join('\n');
}

/** The text part: detail lines as "Label: value", commands indented, list items as written. */
const textSource = (body: string): string => body.replace(/^# /gm, '').replace(/^> /gm, '    ');

const compiled = Object.fromEntries(
  Object.entries(sources).map(([template, source]) => [
    template,
    {
      subject: hb.compile(source.subject, { noEscape: true, strict: false }),
      text: hb.compile(`${textSource(source.body)}\n\n-- \n${FOOTER} {{order.id}}.${ORDER_ADDRESS}\n`, {
        noEscape: true,
      }),
      html: hb.compile(htmlSource(source.body)),
    },
  ]),
) as Record<EmailTemplate, Compiled>;

export const emailTemplates: readonly EmailTemplate[] = emailCatalogue.map((e) => e.template);

export function isEmailTemplate(value: unknown): value is EmailTemplate {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(sources, value);
}

/**
 * Renders a template for an order. `key` picks the order item the email is about (per-service
 * emails): its service and product are `service` in the template.
 */
export function renderEmail(
  template: EmailTemplate,
  context: EmailContext,
  data: EmailData = {},
  key?: string,
): RenderedEmail {
  const t = compiled[template];
  const itemId = typeof data.itemId === 'string' ? data.itemId : key;
  const item = context.items.find((i) => i.id === itemId);
  const service =
    context.services.find((s) => s.orderItemId === itemId) ??
    (item ? { productName: item.productName, productId: item.productId } : undefined);
  // A listing the projection could not link (its ISV unknown to it) is named by the id the
  // workflow carries.
  const listing =
    context.listing ??
    (typeof data.listingId === 'string' ? { id: data.listingId, name: data.listingId, currency: '' } : null);
  const view = { ...context, listing, data, service };
  const subject = t.subject(view).replace(/\s+/g, ' ').trim();
  const text = t.text(view).replace(/\n{3,}/g, '\n\n');
  return { subject, text, html: t.html(view) };
}
