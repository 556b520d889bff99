// What the outside world (API, scenario tests, operators' scripts) needs to drive an order
// workflow: ids, inputs, signal payloads and the `status` query's answer. Types and constants
// only, so it can be imported from workflow code, activities and the API alike.
import type { Actor } from '../domain';

export const ORDERS_TASK_QUEUE = 'orders';
export const PROVISIONING_TASK_QUEUE = 'provisioning';

export const orderWorkflowId = (orderId: string): string => `order-${orderId}`;
export const listingWorkflowId = (listingId: string): string => `listing-${listingId}`;

/** Custom search attributes (Keyword), upserted on every transition for the Temporal UI. */
export const searchAttributeNames = ['OrderStatus', 'OrderKind', 'CustomerId'] as const;

/** The three order lifecycles (a listing is not an order). */
export const ORDER_KINDS = ['checkout', 'service', 'sales'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** Every signal: the acting principal plus the action's fields (validated by the domain tables). */
export interface ActionSignal {
  readonly actor: Actor;
  readonly fields?: Record<string, unknown>;
  /** Optional caller-chosen id, so a retried HTTP request is recognised as a duplicate. */
  readonly requestId?: string;
}

export interface OrderItemInput {
  readonly id: string;
  readonly productId: string;
  readonly productName?: string;
  /** hosting products get a CreateAccount job; others are activated without one. */
  readonly productType: 'hosting' | 'other';
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** Where and how hard provisioning activities are tried; every field has a default. */
export interface ProvisioningOptions {
  /** Defaults to PROVISIONING_TASK_QUEUE. */
  readonly taskQueue?: string;
  /** Attempts before a service (or product) is marked failed; default 5. */
  readonly maximumAttempts?: number;
  /** First retry delay in ms, doubled per attempt up to a minute; default 1000. */
  readonly initialIntervalMs?: number;
  /** Limit of one attempt in ms; default 60000. */
  readonly startToCloseTimeoutMs?: number;
  /** Longest silence of a running attempt before it counts as lost (a dead worker); default 10000. */
  readonly heartbeatTimeoutMs?: number;
}

/** Settings are snapshotted when the order is created: changing them later affects new orders only. */
export interface CheckoutSettings {
  readonly autoApprove: boolean;
  readonly invoiceDueDays: number;
  readonly autoCancelOnExpiry: boolean;
}

export interface CheckoutOrderInput {
  readonly orderId: string;
  readonly clientId: string;
  readonly items: readonly OrderItemInput[];
  readonly currency: string;
  readonly settings: CheckoutSettings;
  /** Who placed it (the client itself, or an admin on its behalf). */
  readonly createdBy: Actor;
  readonly invoiceId?: string;
  readonly provisioning?: ProvisioningOptions;
  /** Continue as new once the run's history has this many events (default: when the server suggests it). */
  readonly historyLimit?: number;
}

export interface ServiceOrderInput {
  readonly orderId: string;
  readonly listingId: string;
  readonly isvId: string;
  readonly merchantId: string;
  /** The listing as ordered (its name and price when the merchant ordered it): the order's one line. */
  readonly listingName?: string;
  readonly priceCents?: number;
  readonly currency?: string;
  readonly createdBy: Actor;
  /** Continue as new once the run's history has this many events (default: when the server suggests it). */
  readonly historyLimit?: number;
}

export interface SalesOrderInput {
  readonly orderId: string;
  readonly salespersonId: string;
  readonly customerId: string;
  readonly items: readonly OrderItemInput[];
  readonly currency: string;
  /** ISO instants; activation waits for activateAt, the offer lapses at expiresAt. */
  readonly activateAt?: string | null;
  readonly expiresAt?: string | null;
  readonly createdBy: Actor;
  readonly provisioning?: ProvisioningOptions;
  /** Continue as new once the run's history has this many events (default: when the server suggests it). */
  readonly historyLimit?: number;
}

export interface ServiceListingInput {
  readonly listingId: string;
  readonly isvId: string;
  readonly name: string;
  readonly description?: string;
  readonly priceCents?: number;
  readonly currency?: string;
  readonly createdBy: Actor;
  /** Continue as new once the run's history has this many events (default: when the server suggests it). */
  readonly historyLimit?: number;
}

/** One line of an order's history, accepted or refused. */
export interface TransitionEntry {
  readonly sequence: number;
  readonly action: string;
  readonly actor: Actor;
  readonly from: string | null;
  readonly to: string | null;
  readonly outcome: 'accepted' | 'refused';
  readonly reason?: string;
  /**
   * Refusal code when refused: the domain's (not_party, role_not_allowed, status_not_allowed,
   * invalid_fields) or the workflow's (duplicate: same requestId seen before; invalid_signal: the
   * payload is malformed; unknown_signal: not an action callers may signal to this workflow).
   */
  readonly refusal?: string;
  /** Set when the entry is about a part of the order rather than the order (a service id). */
  readonly subject?: string;
  /** The caller's request id, on the entry that request produced (not on its duplicates). */
  readonly requestId?: string;
  readonly at: string;
}

export interface InvoiceView {
  readonly id: string;
  readonly status: 'unpaid' | 'paid' | 'cancelled';
  readonly amountCents: number;
  readonly currency: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly paidAt?: string;
  readonly paidAmountCents?: number;
  readonly paymentReference?: string;
}

export interface ServiceView {
  readonly id: string;
  readonly orderItemId: string;
  readonly productId: string;
  readonly status: string;
  readonly externalAccountId?: string;
  readonly lastError?: string;
  readonly attempts: number;
}

/** The `status` query's answer. */
export interface OrderView {
  readonly orderId: string;
  readonly kind: OrderKind | 'listing';
  readonly status: string;
  readonly statusReason?: string;
  readonly previousStatus?: string;
  readonly approvalRoute?: string;
  readonly parties: {
    readonly clientId?: string;
    readonly isvId?: string;
    readonly merchantId?: string;
    readonly salespersonId?: string;
    readonly customerId?: string;
  };
  readonly listingId?: string;
  readonly items: readonly OrderItemInput[];
  readonly totalCents: number;
  readonly currency: string;
  readonly activateAt?: string;
  readonly expiresAt?: string;
  readonly archived: boolean;
  readonly invoice?: InvoiceView;
  readonly services: readonly ServiceView[];
  readonly transitions: readonly TransitionEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What the projection writes: the view without its transitions, which the projection receives
 * as new entries beside it (every transition would otherwise travel, and be kept in history,
 * once per projection of the order).
 */
export type ProjectedView = Omit<OrderView, 'transitions'> & {
  /**
   * The ledger revision the view shows (it moves with every change). Two views of one workflow
   * task share their updatedAt; the revision orders them, so a late retry of the older one never
   * overwrites the newer. Absent in calls scheduled before it existed (read as 0).
   */
  readonly revision?: number;
};
