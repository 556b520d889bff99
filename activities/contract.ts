// The activities the workflows call, as types only: workflow code imports this file with
// `import type` (no Node code enters the workflow sandbox), the worker registers the
// implementations. Every activity is idempotent: a retry or a replacement worker repeats it safely.
import type { EmailTemplate } from '../domain/emails';
import type { ProjectedView, TransitionEntry } from '../workflows/contract';

/** The catalogue of emails (template, event, recipient, facts) is data in domain/emails.ts. */
export type { EmailTemplate };

/** A party of the order by id, or the platform's admins (ADMIN_EMAIL). */
export type Recipient = { readonly partyId: string } | { readonly admins: true };

export interface SendEmailRequest {
  readonly orderId: string;
  readonly template: EmailTemplate;
  readonly to: Recipient;
  /**
   * For an email sent more than once per order (per service, per occurrence): what tells the
   * copies apart, e.g. the order item id. The email is sent once per (order, template, key).
   */
  readonly key?: string;
  /** Facts of the event the template shows (reason, payment reference, ...); the rest is read from Postgres. */
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
