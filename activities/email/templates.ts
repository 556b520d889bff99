// Subject and plain text of every email the workflows send. Rendering is a pure function of the
// order id and the data, so a resend after a crash carries exactly the same message.
import type { EmailTemplate, SendEmailRequest } from '../contract';

export type EmailData = NonNullable<SendEmailRequest['data']>;

export interface RenderedEmail {
  subject: string;
  text: string;
}

interface TemplateDefinition {
  subject: (orderId: string, data: EmailData) => string;
  /** The opening paragraph; the data's fields follow as a details list. */
  body: (orderId: string, data: EmailData) => string;
}

const reasonLine = (data: EmailData): string => (has(data.reason) ? `\nReason: ${String(data.reason)}` : '');

const templates: { readonly [T in EmailTemplate]: TemplateDefinition } = {
  welcome: {
    subject: (id) => `Your services for order ${id} are active`,
    body: (id) => `Welcome! The services of your order ${id} have been set up and are ready to use.`,
  },
  admin_order_awaiting_review: {
    subject: (id) => `Order ${id} is paid and awaits review`,
    body: (id) => `Order ${id} has been paid. Review it and approve or reject it.`,
  },
  admin_provisioning_failed: {
    subject: (id) => `Provisioning failed for order ${id}`,
    body: (id, data) =>
      `Provisioning failed for order ${id} after its retries were exhausted.` +
      (has(data.products ?? data.productId)
        ? `\nFailing products: ${String(data.products ?? data.productId)}`
        : '') +
      (has(data.error) ? `\nError: ${String(data.error)}` : '') +
      reasonLine(data) +
      `\nFix the cause, then retry the service from the admin interface.`,
  },
  admin_cancellation_requested: {
    subject: (id) => `Cancellation requested for order ${id}`,
    body: (id, data) =>
      `A cancellation of order ${id} was requested. Approve or reject it.` + reasonLine(data),
  },
  customer_approval_requested: {
    subject: (id) => `Sales order ${id} awaits your approval`,
    body: (id, data) =>
      `A sales order ${id} was prepared for you. Approve or decline it.` +
      (has(data.expiresAt) ? `\nThe offer expires at ${String(data.expiresAt)}.` : ''),
  },
  customer_order_declined: {
    subject: (id) => `Sales order ${id} was declined`,
    body: (id, data) => `Sales order ${id} was declined.` + reasonLine(data),
  },
  customer_order_activated: {
    subject: (id) => `Sales order ${id} is activated`,
    body: (id, data) =>
      `The products of sales order ${id} are activated.` +
      (has(data.products) ? `\nProducts: ${String(data.products)}` : ''),
  },
  isv_new_service_order: {
    subject: (id) => `New service order ${id}`,
    body: (id, data) =>
      `A merchant placed service order ${id}` +
      (has(data.listingId) ? ` for your listing ${String(data.listingId)}` : '') +
      `. Accept or reject it.`,
  },
  merchant_delivery_awaiting_approval: {
    subject: (id) => `Delivery of service order ${id} awaits your approval`,
    body: (id) => `The ISV has delivered service order ${id}. Confirm the delivery or request changes.`,
  },
};

export const emailTemplates = Object.keys(templates) as EmailTemplate[];

export function isEmailTemplate(value: unknown): value is EmailTemplate {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(templates, value);
}

export function renderEmail(template: EmailTemplate, orderId: string, data: EmailData = {}): RenderedEmail {
  const definition = templates[template];
  const details = Object.keys(data)
    .sort()
    .filter((key) => has(data[key]))
    .map((key) => `  ${key}: ${String(data[key])}`);
  const text = [
    definition.body(orderId, data),
    '',
    `Order: ${orderId}`,
    ...(details.length > 0 ? ['Details:', ...details] : []),
    '',
    '-- ',
    'This message was sent by the order service.',
    '',
  ].join('\n');
  return { subject: definition.subject(orderId, data), text };
}

function has(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
