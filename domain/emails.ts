// Every email the order lifecycles send, as data: which template, on which lifecycle event, to
// which party, and the facts it must state. The workflows queue these templates, the email
// activity renders them (activities/email/templates.ts), docs/emails.md lists them and the tests
// check each one states its facts.

/** Who receives an email: a party of the order, the platform's admins (ADMIN_EMAIL), or one chosen by the event. */
export type EmailParty = 'client' | 'customer' | 'salesperson' | 'isv' | 'merchant' | 'admins';

export interface EmailDefinition {
  readonly template: string;
  readonly lifecycle: 'checkout' | 'sales' | 'service';
  /** The lifecycle event that sends it (status change or action). */
  readonly event: string;
  /** The recipients it may go to; more than one when the event decides (see `event`). */
  readonly to: readonly EmailParty[];
  /** Sent once per order, or once per part of the order (a service, a failed attempt, a decline). */
  readonly once: 'per order' | 'per service' | 'per occurrence';
  /** What the message must state (the tests check each against a rendered message). */
  readonly facts: readonly string[];
}

export const emailCatalogue = [
  {
    template: 'order_confirmation',
    lifecycle: 'checkout',
    event: 'order created (pending, invoice generated)',
    to: ['client'],
    once: 'per order',
    facts: [
      'client name',
      'products',
      'invoice amount and currency',
      'invoice due date',
      'how to pay (the pay action)',
    ],
  },
  {
    template: 'payment_receipt',
    lifecycle: 'checkout',
    event: 'pay accepted (invoice paid)',
    to: ['client'],
    once: 'per order',
    facts: ['client name', 'amount paid and currency', 'payment reference', 'invoice'],
  },
  {
    template: 'admin_order_awaiting_review',
    lifecycle: 'checkout',
    event: 'pay accepted with auto-approve off (pending, awaits review)',
    to: ['admins'],
    once: 'per order',
    facts: ['client name and id', 'amount paid and currency', 'the approve / reject actions'],
  },
  {
    template: 'welcome',
    lifecycle: 'checkout',
    event: 'a service is provisioned (service active)',
    to: ['client'],
    once: 'per service',
    facts: ['client name', 'product name', 'account / login identifier', 'service id', 'next steps'],
  },
  {
    template: 'admin_provisioning_failed',
    lifecycle: 'checkout',
    event: 'provisioning of a service failed after its retries (service failed)',
    to: ['admins'],
    once: 'per occurrence',
    facts: ['client name', 'product name', 'service id', 'the error', 'the retry action'],
  },
  {
    template: 'invoice_expired',
    lifecycle: 'checkout',
    event: 'expire_invoice (invoice due date passed unpaid, order cancelled)',
    to: ['client'],
    once: 'per order',
    facts: ['client name', 'invoice amount and currency', 'due date that passed', 'order cancelled'],
  },
  {
    template: 'customer_approval_requested',
    lifecycle: 'sales',
    event: 'send_for_customer_approval (awaiting customer approval)',
    to: ['customer'],
    once: 'per order',
    facts: [
      'customer name',
      'salesperson',
      'products',
      'total and currency',
      'offer expiry',
      'the approve / reject actions',
    ],
  },
  {
    template: 'admin_sales_order_submitted',
    lifecycle: 'sales',
    event: 'submit or resubmit (submitted / resubmitted, awaits an admin)',
    to: ['admins'],
    once: 'per occurrence',
    facts: [
      'customer name',
      'salesperson',
      'products',
      'total and currency',
      'offer expiry',
      'the approve / reject actions',
    ],
  },
  {
    template: 'salesperson_order_declined',
    lifecycle: 'sales',
    event: 'reject by the customer or an admin (declined)',
    to: ['salesperson'],
    once: 'per occurrence',
    facts: ['salesperson name', 'customer name', 'who declined', 'the reason', 'the resubmit action'],
  },
  {
    template: 'admin_cancellation_requested',
    lifecycle: 'sales',
    event: 'request_cancellation (cancellation requested)',
    to: ['admins'],
    once: 'per occurrence',
    facts: ['customer name', 'who requested it', 'the reason', 'the approve / reject actions'],
  },
  {
    template: 'customer_order_activated',
    lifecycle: 'sales',
    event: 'all products activated (activated)',
    to: ['customer'],
    once: 'per order',
    facts: ['customer name', 'products activated', 'activation ids', 'where to use them'],
  },
  {
    template: 'customer_order_canceled',
    lifecycle: 'sales',
    event: 'canceled (cancellation approved, cancel, or the offer expired)',
    to: ['customer'],
    once: 'per order',
    facts: ['customer name', 'products', 'the reason'],
  },
  {
    template: 'salesperson_order_canceled',
    lifecycle: 'sales',
    event: 'canceled (cancellation approved, cancel, or the offer expired)',
    to: ['salesperson'],
    once: 'per order',
    facts: ['salesperson name', 'customer name', 'the reason'],
  },
  {
    template: 'isv_new_service_order',
    lifecycle: 'service',
    event: 'order created (new order)',
    to: ['isv'],
    once: 'per order',
    facts: ['ISV name', 'merchant name', 'listing name', 'price', 'the accept / reject actions'],
  },
  {
    template: 'merchant_delivery_awaiting_approval',
    lifecycle: 'service',
    event: 'submit by the ISV (under approval)',
    to: ['merchant'],
    once: 'per occurrence',
    facts: ['merchant name', 'ISV name', 'listing name', 'the approve / reject actions'],
  },
  {
    template: 'service_order_completed',
    lifecycle: 'service',
    event: 'approve by the merchant (completed)',
    to: ['isv'],
    once: 'per order',
    facts: ['ISV name', 'merchant name', 'listing name'],
  },
  {
    template: 'service_order_canceled',
    lifecycle: 'service',
    event:
      'reject or cancel (canceled): to the ISV when the merchant canceled, to the merchant when the ISV did',
    to: ['isv', 'merchant'],
    once: 'per order',
    facts: ['recipient name', 'who canceled', 'listing name', 'the reason'],
  },
] as const satisfies readonly EmailDefinition[];

export type EmailTemplate = (typeof emailCatalogue)[number]['template'];

export const emailTemplateNames: readonly EmailTemplate[] = emailCatalogue.map((e) => e.template);
