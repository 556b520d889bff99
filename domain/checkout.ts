import { z } from 'zod';
import { noFields, paymentFields, reasonText, toTime, type Instant } from './fields';
import { defineLifecycle, type FieldRule, type Guard } from './lifecycle';
import type { Parties } from './roles';

/** Hosting checkout (seed 002): an order with an invoice created with it. */

export const checkoutStatuses = ['pending', 'active', 'fraud', 'cancelled'] as const;
export type CheckoutStatus = (typeof checkoutStatuses)[number];

export interface CheckoutOrder extends Parties {
  readonly status: CheckoutStatus;
  /** Whether the order's invoice is paid (`pay` marks it paid). */
  readonly invoicePaid: boolean;
  /** The invoice's amount: a payment must cover it. Unknown (not checked) when absent. */
  readonly invoiceAmountCents?: number;
  readonly invoiceDueAt?: Instant | null;
}

export const checkoutRejectFields = z.object({
  reason: reasonText,
  outcome: z.enum(['fraud', 'cancelled']),
});

const invoicePaid: Guard<CheckoutOrder> = {
  description: 'only once the invoice is paid',
  test: ({ order }) => order.invoicePaid,
};

const invoiceUnpaid: Guard<CheckoutOrder> = {
  description: 'only while the invoice is unpaid',
  test: ({ order }) => !order.invoicePaid,
};

/** An underpayment leaves the invoice unpaid (seed 002: the order activates once it is paid). */
const paymentCoversInvoice: FieldRule<CheckoutOrder, z.output<typeof paymentFields>> = {
  description: 'the amount covers the invoice',
  check: ({ order, fields }) =>
    order.invoiceAmountCents !== undefined && fields.amountCents < order.invoiceAmountCents
      ? {
          path: 'amountCents',
          message: `must cover the invoice's ${order.invoiceAmountCents} cents (got ${fields.amountCents})`,
        }
      : undefined,
};

/** The auto-cancel setting is checked by the workflow; this only says the invoice really expired. */
const invoiceExpired: Guard<CheckoutOrder> = {
  description: 'only when the invoice is unpaid and its due date has passed',
  needsNow: true,
  test: ({ order, now }) =>
    !order.invoicePaid &&
    order.invoiceDueAt != null &&
    toTime(order.invoiceDueAt, 'invoiceDueAt') <= (now as Date).getTime(),
};

export const checkoutLifecycle = defineLifecycle<CheckoutOrder>()({
  name: 'checkout',
  title: 'checkout order',
  source: 'seed 002 (hosting order lifecycle)',
  statuses: {
    pending: {
      label: 'Pending',
      description: 'Order placed, invoice not yet paid — or paid but awaiting manual admin approval',
    },
    active: {
      label: 'Active',
      description: 'Invoice paid and order approved; services have been created and provisioned',
    },
    fraud: {
      label: 'Fraud',
      description: 'Manually flagged by admin as fraudulent; no services provisioned',
    },
    cancelled: {
      label: 'Cancelled',
      description: 'Order cancelled before completion; no services provisioned',
    },
  },
  initial: ['pending'],
  terminal: ['active', 'fraud', 'cancelled'],
  actions: {
    pay: { label: 'Pay the invoice (marks it paid; the order stays pending)', fields: paymentFields },
    auto_approve: { label: 'Approve automatically (auto-approve setting on)', fields: noFields },
    approve: { label: 'Approve', fields: noFields },
    reject: { label: 'Reject as fraud or cancelled', fields: checkoutRejectFields },
    cancel: { label: 'Cancel', fields: noFields },
    expire_invoice: { label: 'Invoice due date passed (auto-cancel setting on)', fields: noFields },
  },
  transitions: [
    {
      from: 'pending',
      action: 'pay',
      roles: ['client', 'system'],
      to: 'pending',
      guard: invoiceUnpaid,
      fieldRule: paymentCoversInvoice,
    },
    { from: 'pending', action: 'auto_approve', roles: ['system'], to: 'active', guard: invoicePaid },
    { from: 'pending', action: 'approve', roles: ['admin'], to: 'active', guard: invoicePaid },
    {
      from: 'pending',
      action: 'reject',
      roles: ['admin'],
      to: {
        targets: ['fraud', 'cancelled'],
        description: 'by outcome',
        resolve: ({ fields }) => fields.outcome,
      },
    },
    { from: 'pending', action: 'cancel', roles: ['client', 'admin'], to: 'cancelled' },
    { from: 'pending', action: 'expire_invoice', roles: ['system'], to: 'cancelled', guard: invoiceExpired },
  ],
});

/** Each ordered product becomes a service when the order turns active (seed 002, order activation). */

export const checkoutServiceStatuses = ['pending', 'active', 'failed'] as const;
export type CheckoutServiceStatus = (typeof checkoutServiceStatuses)[number];

export interface CheckoutService extends Parties {
  readonly status: CheckoutServiceStatus;
}

export const checkoutServiceFailFields = z.object({ error: reasonText });

export const checkoutServiceLifecycle = defineLifecycle<CheckoutService>()({
  name: 'checkout_service',
  title: 'checkout service',
  source: 'seed 002 (what happens on order activation)',
  statuses: {
    pending: { label: 'Pending', description: 'Service record created; provisioning has not succeeded yet' },
    active: { label: 'Active', description: 'Provisioning succeeded; the client can use the service' },
    failed: {
      label: 'Failed',
      description: 'Provisioning failed after its retries were exhausted; an admin may retry',
    },
  },
  initial: ['pending'],
  terminal: ['active'],
  actions: {
    activate: { label: 'Provisioning succeeded', fields: noFields },
    fail: { label: 'Provisioning retries exhausted', fields: checkoutServiceFailFields },
    retry: { label: 'Retry provisioning', fields: noFields },
  },
  transitions: [
    { from: 'pending', action: 'activate', roles: ['system'], to: 'active' },
    { from: 'pending', action: 'fail', roles: ['system'], to: 'failed' },
    { from: 'failed', action: 'retry', roles: ['admin'], to: 'pending' },
  ],
});
