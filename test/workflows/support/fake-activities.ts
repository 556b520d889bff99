import { ApplicationFailure } from '@temporalio/common';
import type {
  ActivateProductRequest,
  CreateAccountRequest,
  OrderActivities,
  ProvisioningActivities,
  SendEmailRequest,
} from '../../../activities/contract';
import type { OrderView, TransitionEntry } from '../../../workflows/contract';

/**
 * In-memory activities implementing activities/contract.ts, so workflow tests need no database,
 * SMTP or panel. They keep what a test asserts on: the last projected view, every projected entry,
 * emails (once per order and template, as the real activity promises) and provisioning calls.
 */
export class FakeActivities {
  readonly views = new Map<string, OrderView>();
  readonly projectedEntries = new Map<string, TransitionEntry[]>();
  readonly emails: SendEmailRequest[] = [];
  readonly accounts = new Map<string, string>();
  /** createAccount: the service id; activateProduct: `orderId:itemId`. */
  readonly provisioningCalls: string[] = [];
  /** Products whose provisioning (createAccount or activateProduct) fails every attempt. */
  readonly failingProducts = new Set<string>();
  private projectionsInFlight = new Map<string, number>();
  /** Set when two projections of the same order ever overlapped (they must not). */
  overlappingProjection = false;

  emailsFor(orderId: string): string[] {
    return this.emails.filter((e) => e.orderId === orderId).map((e) => e.template);
  }

  orderActivities(): OrderActivities {
    return {
      projectOrder: async (view: OrderView, entries: readonly TransitionEntry[]) => {
        const inFlight = (this.projectionsInFlight.get(view.orderId) ?? 0) + 1;
        this.projectionsInFlight.set(view.orderId, inFlight);
        if (inFlight > 1) this.overlappingProjection = true;
        await Promise.resolve();
        const known = this.projectedEntries.get(view.orderId) ?? [];
        for (const entry of entries) if (!known.some((k) => k.sequence === entry.sequence)) known.push(entry);
        this.projectedEntries.set(view.orderId, known);
        this.views.set(view.orderId, view);
        this.projectionsInFlight.set(view.orderId, inFlight - 1);
      },
      sendEmail: async (request: SendEmailRequest) => {
        if (this.emails.some((e) => e.orderId === request.orderId && e.template === request.template)) {
          return { sent: false };
        }
        this.emails.push(request);
        return { sent: true };
      },
    };
  }

  provisioningActivities(): ProvisioningActivities {
    return {
      createAccount: async (request: CreateAccountRequest) => {
        this.provisioningCalls.push(request.serviceId);
        if (this.failingProducts.has(request.productId)) {
          throw ApplicationFailure.create({
            message: `panel refused ${request.productId}`,
            type: 'PanelError',
          });
        }
        const accountId = this.accounts.get(request.serviceId) ?? `acct-${request.serviceId}`;
        this.accounts.set(request.serviceId, accountId);
        return { accountId };
      },
      activateProduct: async (request: ActivateProductRequest) => {
        this.provisioningCalls.push(`${request.orderId}:${request.orderItemId}`);
        if (this.failingProducts.has(request.productId)) {
          throw ApplicationFailure.create({
            message: `${request.productId} is out of licences`,
            type: 'ActivationError',
          });
        }
        return { activationId: `act-${request.orderId}-${request.orderItemId}` };
      },
    };
  }
}
