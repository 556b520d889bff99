// The activities the workflows call, as types only: workflow code imports this file with
// `import type` (no Node code enters the workflow sandbox), the worker registers the
// implementations. Every activity is idempotent: a retry or a replacement worker repeats it safely.
import type { ProjectedView, TransitionEntry } from '../workflows/contract';

export type EmailTemplate =
  | 'welcome'
  | 'admin_order_awaiting_review'
  | 'admin_provisioning_failed'
  | 'admin_cancellation_requested'
  | 'customer_approval_requested'
  | 'customer_order_declined'
  | 'customer_order_activated'
  | 'isv_new_service_order'
  | 'merchant_delivery_awaiting_approval';

/** A party of the order by id, or the platform's admins (ADMIN_EMAIL). */
export type Recipient = { readonly partyId: string } | { readonly admins: true };

export interface SendEmailRequest {
  readonly orderId: string;
  readonly template: EmailTemplate;
  readonly to: Recipient;
  /** Values the template shows (reason, failing products, ...). */
  readonly data?: Record<string, string | number | boolean | null>;
}

export interface ProjectionActivities {
  /**
   * Writes the order (status, parties, items, invoice, services) and the given audit entries.
   * Upserts by id and (order, sequence), so replaying the same call changes nothing.
   */
  projectOrder(view: ProjectedView, entries: readonly TransitionEntry[]): Promise<void>;
}

export interface EmailActivities {
  /** Sends at most once per (order, template); returns false when it had been sent before. */
  sendEmail(request: SendEmailRequest): Promise<{ sent: boolean }>;
}

export interface CreateAccountRequest {
  readonly orderId: string;
  readonly serviceId: string;
  readonly orderItemId: string;
  readonly productId: string;
  readonly clientId: string;
}

export interface ActivateProductRequest {
  readonly orderId: string;
  readonly orderItemId: string;
  readonly productId: string;
  readonly customerId: string;
}

/** Run on the `provisioning` task queue, with their own worker concurrency. */
export interface ProvisioningActivities {
  /** CreateAccount on the hosting panel; the service id is the idempotency key. */
  createAccount(request: CreateAccountRequest): Promise<{ accountId: string }>;
  /** Activates one product of a sales order for the customer; the item id is the idempotency key. */
  activateProduct(request: ActivateProductRequest): Promise<{ activationId: string }>;
}

export type OrderActivities = ProjectionActivities & EmailActivities;
