import { z } from 'zod';
import {
  instant,
  noFields,
  optionalReasonFields,
  reasonFields,
  reasonText,
  storableText,
  toTime,
  type Instant,
} from './fields';
import { defineLifecycle, type FieldRule, type Guard } from './lifecycle';
import type { Parties } from './roles';

/** A partner's salesperson sells products to a customer (seed 001). */

export const salesOrderStatuses = [
  'draft',
  'awaiting_customer_approval',
  'submitted',
  'approved',
  'scheduled_activation',
  'processing',
  'activated',
  'activation_errors',
  'declined',
  'resubmitted',
  'cancellation_requested',
  'canceled',
  'archived',
] as const;
export type SalesOrderStatus = (typeof salesOrderStatuses)[number];

/** Who approves the order: chosen when it is sent, and the same approver sees it again when resubmitted. */
export type SalesApprovalRoute = 'customer' | 'admin';
export const salesApprovalRouteByAction = {
  send_for_customer_approval: 'customer',
  submit: 'admin',
} as const satisfies Record<string, SalesApprovalRoute>;

/**
 * Statuses from which a cancellation may be requested, and to which a refused request returns.
 * Not `approved`: like `processing` it is momentary (the order is scheduled or starts activating
 * in the same step), so no caller ever acts on it.
 */
export const salesCancellableStatuses = [
  'scheduled_activation',
  'activated',
  'activation_errors',
] as const satisfies readonly SalesOrderStatus[];

export const OFFER_EXPIRED_REASON = 'offer expired';

export interface SalesOrder extends Parties {
  readonly status: SalesOrderStatus;
  /** Recorded by `send_for_customer_approval` (customer) or `submit` (admin). */
  readonly approvalRoute?: SalesApprovalRoute | null;
  /** Recorded by `request_cancellation`: where a refused cancellation request returns. */
  readonly previousStatus?: SalesOrderStatus | null;
  readonly activateAt?: Instant | null;
  readonly expiresAt?: Instant | null;
}

const offerFields = z.object({
  /** Optional expiry of the offer: past it an order still awaiting approval is canceled. */
  expiresAt: instant.optional(),
});

/** An offer put to an approver must still be open: its new expiry, or the one it keeps, is ahead. */
const offerStillOpen: FieldRule<SalesOrder, z.output<typeof offerFields>> = {
  description: 'the offer expiry, if any, is still ahead',
  check: ({ order, fields, now }) => {
    const expiry = fields.expiresAt ?? order.expiresAt;
    if (!now || expiry == null) return undefined;
    const expiresAt = toTime(expiry, 'expiresAt');
    if (expiresAt > now.getTime()) return undefined;
    return {
      path: 'expiresAt',
      message:
        fields.expiresAt !== undefined
          ? 'must be in the future'
          : `the offer expired at ${new Date(expiresAt).toISOString()}; give a new expiresAt`,
    };
  },
};

export const activationErrorsFields = z.object({
  errors: z
    .array(z.object({ productId: storableText().trim().min(1), reason: reasonText }))
    .min(1, 'at least one product error is required'),
});

const sameApprover: Guard<SalesOrder> = {
  description: 'only by the approver the order was sent to before (its approval route)',
  test: ({ order, actor }) => order.approvalRoute === actor.role,
};

const offerExpired: Guard<SalesOrder> = {
  description: 'only once the offer expiry date has passed',
  needsNow: true,
  test: ({ order, now }) =>
    order.expiresAt != null && toTime(order.expiresAt, 'expiresAt') <= (now as Date).getTime(),
};

const activationInFuture: Guard<SalesOrder> = {
  description: 'only when the activation date is in the future',
  needsNow: true,
  test: ({ order, now }) =>
    order.activateAt != null && toTime(order.activateAt, 'activateAt') > (now as Date).getTime(),
};

const activationDue: Guard<SalesOrder> = {
  description: 'only when there is no activation date or it has come',
  needsNow: true,
  test: ({ order, now }) =>
    order.activateAt == null || toTime(order.activateAt, 'activateAt') <= (now as Date).getTime(),
};

const cameFromCancellable: Guard<SalesOrder> = {
  description: 'only when the order records the status it was in before the request',
  test: ({ order }) =>
    (salesCancellableStatuses as readonly (SalesOrderStatus | null | undefined)[]).includes(
      order.previousStatus,
    ),
};

export const salesOrderLifecycle = defineLifecycle<SalesOrder>()({
  name: 'sales_order',
  title: 'sales order',
  source: 'seed 001 (partner sales orders)',
  statuses: {
    draft: { label: 'Draft', description: 'The order has been created but not submitted' },
    awaiting_customer_approval: {
      label: 'Awaiting customer approval',
      description: 'The order was sent to the customer to approve or decline',
    },
    submitted: {
      label: 'Submitted',
      description: 'The order has been submitted to an admin to approve or decline; the offer may expire',
    },
    approved: { label: 'Approved', description: 'The order was approved by the customer or admin' },
    scheduled_activation: {
      label: 'Scheduled activation',
      description: 'The order was approved and will activate its products at a set time',
    },
    processing: {
      label: 'Processing',
      description: 'The products in the order are being activated (generally only for a few moments)',
    },
    activated: { label: 'Activated', description: 'All products in the order were activated' },
    activation_errors: {
      label: 'Activation errors',
      description: "Some products weren't able to be activated; the order shows why for each",
    },
    declined: {
      label: 'Declined',
      description: 'The customer or admin has declined the order, giving a reason',
    },
    resubmitted: {
      label: 'Resubmitted',
      description: 'A salesperson has sent a previously declined order for approval again',
    },
    cancellation_requested: {
      label: 'Cancellation requested',
      description: 'The customer (or salesperson) has requested the order be canceled; an admin decides',
    },
    canceled: { label: 'Canceled', description: 'The order has been canceled' },
    archived: {
      label: 'Archived',
      description: 'No longer acted on; kept for history and only listed when asked for',
    },
  },
  initial: ['draft'],
  terminal: ['archived'],
  actions: {
    send_for_customer_approval: { label: 'Send for customer approval', fields: offerFields },
    submit: { label: 'Submit for admin approval', fields: offerFields },
    approve: { label: 'Approve', fields: noFields },
    reject: { label: 'Decline (or refuse a cancellation request)', fields: reasonFields },
    resubmit: { label: 'Resubmit to the same approver', fields: offerFields },
    expire_offer: {
      label: 'Offer expiry date passed',
      fields: z.object({ reason: z.literal(OFFER_EXPIRED_REASON).default(OFFER_EXPIRED_REASON) }),
    },
    schedule_activation: { label: 'Schedule activation', fields: noFields },
    start_activation: { label: 'Start activating the products', fields: noFields },
    activate: { label: 'All products activated', fields: noFields },
    fail_activation: { label: 'Some products failed to activate', fields: activationErrorsFields },
    retry: { label: 'Retry the failed products', fields: noFields },
    request_cancellation: { label: 'Request cancellation', fields: optionalReasonFields },
    cancel: { label: 'Cancel', fields: optionalReasonFields },
    archive: { label: 'Archive', fields: noFields },
  },
  transitions: [
    {
      from: 'draft',
      action: 'send_for_customer_approval',
      roles: ['salesperson'],
      to: 'awaiting_customer_approval',
      fieldRule: offerStillOpen,
    },
    { from: 'draft', action: 'submit', roles: ['salesperson'], to: 'submitted', fieldRule: offerStillOpen },
    { from: 'awaiting_customer_approval', action: 'approve', roles: ['customer'], to: 'approved' },
    { from: 'awaiting_customer_approval', action: 'reject', roles: ['customer'], to: 'declined' },
    { from: 'submitted', action: 'approve', roles: ['admin'], to: 'approved' },
    { from: 'submitted', action: 'reject', roles: ['admin'], to: 'declined' },
    {
      from: 'declined',
      action: 'resubmit',
      roles: ['salesperson'],
      to: 'resubmitted',
      fieldRule: offerStillOpen,
    },
    {
      from: 'resubmitted',
      action: 'approve',
      roles: ['customer', 'admin'],
      to: 'approved',
      guard: sameApprover,
    },
    {
      from: 'resubmitted',
      action: 'reject',
      roles: ['customer', 'admin'],
      to: 'declined',
      guard: sameApprover,
    },
    {
      from: ['awaiting_customer_approval', 'submitted', 'resubmitted'],
      action: 'expire_offer',
      roles: ['system'],
      to: 'canceled',
      guard: offerExpired,
    },
    {
      from: 'approved',
      action: 'schedule_activation',
      roles: ['system'],
      to: 'scheduled_activation',
      guard: activationInFuture,
    },
    {
      from: ['approved', 'scheduled_activation'],
      action: 'start_activation',
      roles: ['system'],
      to: 'processing',
      guard: activationDue,
    },
    { from: 'processing', action: 'activate', roles: ['system'], to: 'activated' },
    { from: 'processing', action: 'fail_activation', roles: ['system'], to: 'activation_errors' },
    { from: 'activation_errors', action: 'retry', roles: ['admin'], to: 'processing' },
    {
      from: salesCancellableStatuses,
      action: 'request_cancellation',
      roles: ['customer', 'salesperson'],
      to: 'cancellation_requested',
    },
    { from: 'cancellation_requested', action: 'approve', roles: ['admin'], to: 'canceled' },
    {
      from: 'cancellation_requested',
      action: 'reject',
      roles: ['admin'],
      to: {
        targets: salesCancellableStatuses,
        description: 'back to the status before the request',
        resolve: ({ order }) => order.previousStatus,
      },
      guard: cameFromCancellable,
    },
    // Before activation: any status a caller can see before processing (not the momentary
    // `approved`). Once activation started, a cancellation is requested instead (an admin decides).
    {
      from: [
        'draft',
        'awaiting_customer_approval',
        'submitted',
        'declined',
        'resubmitted',
        'scheduled_activation',
      ],
      action: 'cancel',
      roles: ['admin', 'salesperson'],
      to: 'canceled',
    },
    {
      from: ['draft', 'declined', 'canceled', 'activated'],
      action: 'archive',
      roles: ['salesperson', 'admin'],
      to: 'archived',
    },
  ],
});
