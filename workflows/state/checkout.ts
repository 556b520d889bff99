import {
  checkoutLifecycle,
  checkoutServiceLifecycle,
  type CheckoutOrder,
  type CheckoutService,
} from '../../domain';
import type { CheckoutOrderInput, InvoiceView, OrderItemInput, OrderView, ServiceView } from '../contract';
import { SYSTEM_ACTOR } from '../order/ledger';
import { Machine } from '../order/machine';
import type { ActionSignal } from '../contract';
import { OrderState, requireInput, signalledActions, type AnyOutcome, type CarriedOrder } from './base';
import { validateItems, totalCents } from './items';

const DAY_MS = 24 * 60 * 60 * 1000;

type CheckoutActions = (typeof checkoutLifecycle)['actions'];
type ServiceActions = (typeof checkoutServiceLifecycle)['actions'];

/** The result of provisioning one service: an account on the panel, or the error once retries ran out. */
export type ProvisioningResult =
  { readonly ok: true; readonly accountId?: string } | { readonly ok: false; readonly error: string };

/** A checkout handed to the next run (continue-as-new): the order, its invoice and services. */
export interface CarriedCheckoutOrder extends CarriedOrder<CheckoutOrder> {
  /** Epoch ms, fixed when the order was created. */
  readonly invoiceDueAt: number;
  readonly invoiceStatus: InvoiceView['status'];
  readonly overdue: boolean;
  readonly payment?: { paidAt: string; paidAmountCents: number; paymentReference: string };
  readonly services: readonly (ServiceProgress & {
    readonly serviceId: string;
    readonly itemId: string;
    readonly service: CheckoutService;
  })[];
}

/** What provisioning has recorded of a service besides its status. */
interface ServiceProgress {
  externalAccountId?: string;
  lastError?: string;
  attempts: number;
}

interface ServiceRecord extends ServiceProgress {
  readonly item: OrderItemInput;
  readonly machine: Machine<CheckoutService, ServiceActions>;
}

export function validateCheckoutInput(input: CheckoutOrderInput): void {
  requireInput(typeof input?.orderId === 'string' && input.orderId.length > 0, 'orderId is required');
  requireInput(typeof input.clientId === 'string' && input.clientId.length > 0, 'clientId is required');
  requireInput(typeof input.currency === 'string' && input.currency.length > 0, 'currency is required');
  const settings = input.settings;
  requireInput(typeof settings === 'object' && settings !== null, 'settings are required');
  requireInput(
    Number.isFinite(settings.invoiceDueDays) && settings.invoiceDueDays >= 0,
    'settings.invoiceDueDays must be a number of days >= 0',
  );
  requireInput(typeof settings.autoApprove === 'boolean', 'settings.autoApprove must be a boolean');
  requireInput(
    typeof settings.autoCancelOnExpiry === 'boolean',
    'settings.autoCancelOnExpiry must be a boolean',
  );
  validateItems(input.items);
}

/**
 * A hosting checkout (seed 002): the order, the invoice created with it, and one service per item
 * once the order is active. The settings are the snapshot taken when the order was created.
 */
export class CheckoutState extends OrderState<CheckoutOrder, CheckoutActions> {
  readonly orderId: string;
  /** Invoice due date, epoch ms. */
  readonly invoiceDueAt: number;
  private readonly invoiceId: string;
  private invoiceStatus: InvoiceView['status'] = 'unpaid';
  private overdue = false;
  private payment: { paidAt: string; paidAmountCents: number; paymentReference: string } | undefined;
  private readonly services: ServiceRecord[] = [];

  /** `carried` restores a previous run's order (continue-as-new) instead of placing a new one. */
  constructor(
    readonly input: CheckoutOrderInput,
    now: Date,
    carried?: CarriedCheckoutOrder,
  ) {
    validateCheckoutInput(input);
    const invoiceDueAt = carried?.invoiceDueAt ?? now.getTime() + input.settings.invoiceDueDays * DAY_MS;
    super(
      checkoutLifecycle,
      {
        status: 'pending',
        clientId: input.clientId,
        invoicePaid: false,
        invoiceAmountCents: totalCents(input.items),
        invoiceDueAt: new Date(invoiceDueAt).toISOString(),
      },
      input.createdBy,
      now,
      signalledActions(checkoutServiceLifecycle),
      carried,
    );
    this.orderId = input.orderId;
    this.invoiceDueAt = invoiceDueAt;
    this.invoiceId = input.invoiceId ?? `${input.orderId}-invoice`;
    if (!carried) {
      this.email({
        template: 'order_confirmation',
        to: { partyId: input.clientId },
        data: { autoApprove: input.settings.autoApprove },
      });
      return;
    }
    this.invoiceStatus = carried.invoiceStatus;
    this.overdue = carried.overdue;
    this.payment = carried.payment;
    for (const { serviceId, itemId, service, ...progress } of carried.services) {
      const item = input.items.find((i) => i.id === itemId);
      requireInput(item !== undefined, `carried service ${serviceId} names no item of the order`);
      this.addService(item!, serviceId, service, progress);
    }
  }

  /** Everything the next run needs to go on where this one stopped (no provisioning in flight). */
  carry(): CarriedCheckoutOrder {
    return {
      ...this.carryOrder(),
      invoiceDueAt: this.invoiceDueAt,
      invoiceStatus: this.invoiceStatus,
      overdue: this.overdue,
      ...(this.payment ? { payment: this.payment } : {}),
      services: this.services.map(({ item, machine, ...progress }) => ({
        ...progress,
        serviceId: machine.subject as string,
        itemId: item.id,
        service: machine.current,
      })),
    };
  }

  get invoicePaid(): boolean {
    return this.machine.current.invoicePaid;
  }

  /** The order reached active, fraud or cancelled. */
  get decided(): boolean {
    return this.machine.isTerminal;
  }

  get allServicesActive(): boolean {
    return this.services.every((s) => s.machine.status === 'active');
  }

  get finished(): boolean {
    return this.decided && this.allServicesActive;
  }

  /** The due date passed unpaid with auto-cancel off: the order stays pending, the invoice shows overdue. */
  markOverdue(now: Date): void {
    if (this.invoiceStatus !== 'unpaid' || this.overdue) return;
    this.overdue = true;
    this.touched(now);
  }

  /** Services waiting for a provisioning attempt. */
  servicesToProvision(): { readonly serviceId: string; readonly item: OrderItemInput }[] {
    return this.services
      .filter((s) => s.machine.status === 'pending')
      .map((s) => ({ serviceId: s.machine.subject as string, item: s.item }));
  }

  /** A provisioning attempt starts (counted, so admins see how often a service was tried). */
  provisioningStarted(serviceId: string, now: Date): void {
    this.service(serviceId).attempts += 1;
    this.touched(now);
  }

  provisioned(serviceId: string, result: ProvisioningResult, now: Date): AnyOutcome {
    const service = this.service(serviceId);
    const system: ActionSignal = { actor: SYSTEM_ACTOR, fields: result.ok ? {} : { error: result.error } };
    const outcome = service.machine.take(result.ok ? 'activate' : 'fail', system, now);
    if (!outcome.ok) return outcome;
    this.updatedAt = now.toISOString();
    if (result.ok) {
      service.externalAccountId = result.accountId;
      service.lastError = undefined;
      // One welcome per service, as each is ready: it names that service's product and login.
      this.email({
        template: 'welcome',
        to: { partyId: this.input.clientId },
        key: service.item.id,
        data: {
          itemId: service.item.id,
          serviceId,
          productId: service.item.productId,
          accountId: result.accountId ?? null,
        },
      });
    } else {
      service.lastError = result.error;
      // One per failed attempt: a retried service that fails again is reported again.
      this.email({
        template: 'admin_provisioning_failed',
        to: { admins: true },
        key: `${service.item.id}.${service.attempts}`,
        data: {
          itemId: service.item.id,
          serviceId,
          productId: service.item.productId,
          attempt: service.attempts,
          error: result.error,
        },
      });
    }
    return outcome;
  }

  protected override handle(action: string, signal: ActionSignal, now: Date): AnyOutcome {
    return action === 'retry' ? this.retryFailedServices(signal, now) : super.handle(action, signal, now);
  }

  /** Admin `retry` on the order: every failed service goes back to pending (each asked of the domain). */
  private retryFailedServices(signal: ActionSignal, now: Date): AnyOutcome {
    const failed = this.services.filter((s) => s.machine.status === 'failed');
    if (failed.length === 0) {
      // Ask the domain about an existing service, so the refusal says why; without any, the order says.
      const probe = this.services[0];
      if (probe) return probe.machine.take('retry', signal, now);
      if (this.ledger.isDuplicate(signal.requestId)) {
        return this.machine.refuse(
          'retry',
          signal.actor,
          'duplicate',
          `request ${signal.requestId} was handled before`,
          now,
        );
      }
      return this.machine.refuse(
        'retry',
        signal.actor,
        'status_not_allowed',
        'retry is allowed only while a service of the order is failed',
        now,
      );
    }
    const [first, ...rest] = failed;
    // The request id is checked once for the whole retry, not per service.
    const outcome = first!.machine.take('retry', signal, now);
    if (outcome.ok) {
      const { requestId: _ignored, ...again } = signal;
      for (const service of rest) service.machine.take('retry', again, now);
      this.updatedAt = now.toISOString();
    }
    return outcome;
  }

  protected override factsFor(action: string): Partial<Omit<CheckoutOrder, 'status'>> {
    return action === 'pay' ? { invoicePaid: true } : {};
  }

  protected override afterAccepted(outcome: AnyOutcome & { ok: true }, now: Date): void {
    if (outcome.action === 'pay') {
      const fields = outcome.fields as { amountCents: number; reference: string };
      this.invoiceStatus = 'paid';
      this.payment = {
        paidAt: now.toISOString(),
        paidAmountCents: fields.amountCents,
        paymentReference: fields.reference,
      };
      const paid = { amountCents: fields.amountCents, reference: fields.reference };
      const autoApprove = this.input.settings.autoApprove;
      this.email({
        template: 'payment_receipt',
        to: { partyId: this.input.clientId },
        data: { ...paid, autoApprove },
      });
      if (!autoApprove) {
        this.email({
          template: 'admin_order_awaiting_review',
          to: { admins: true },
          data: { clientId: this.input.clientId, ...paid },
        });
      }
    }
    if (outcome.action === 'expire_invoice') {
      this.email({ template: 'invoice_expired', to: { partyId: this.input.clientId } });
    }
    if ((outcome.to === 'cancelled' || outcome.to === 'fraud') && this.invoiceStatus === 'unpaid') {
      this.invoiceStatus = 'cancelled';
    }
    if (outcome.to === 'active') this.createServices();
  }

  /** One service per item, `<order>-service-<n>`: unique across orders (the panel's idempotency key). */
  private createServices(): void {
    for (const [index, item] of this.input.items.entries()) {
      this.addService(item, `${this.orderId}-service-${index + 1}`, {
        status: 'pending',
        clientId: this.input.clientId,
      });
    }
  }

  private addService(
    item: OrderItemInput,
    serviceId: string,
    service: CheckoutService,
    progress: ServiceProgress = { attempts: 0 },
  ): void {
    const machine = new Machine(checkoutServiceLifecycle, service, this.ledger, serviceId);
    this.services.push({ ...progress, item, machine });
  }

  private service(serviceId: string): ServiceRecord {
    const found = this.services.find((s) => s.machine.subject === serviceId);
    if (!found) throw new Error(`order ${this.orderId} has no service ${serviceId}`);
    return found;
  }

  view(): OrderView {
    const input = this.input;
    const invoice: InvoiceView = {
      id: this.invoiceId,
      status: this.invoiceStatus,
      amountCents: totalCents(input.items),
      currency: input.currency,
      dueAt: new Date(this.invoiceDueAt).toISOString(),
      overdue: this.overdue && this.invoiceStatus === 'unpaid',
      ...(this.payment ?? {}),
    };
    const services: ServiceView[] = this.services.map((s) => ({
      id: s.machine.subject as string,
      orderItemId: s.item.id,
      productId: s.item.productId,
      status: s.machine.status,
      ...(s.externalAccountId !== undefined ? { externalAccountId: s.externalAccountId } : {}),
      ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      attempts: s.attempts,
    }));
    return {
      orderId: this.orderId,
      kind: 'checkout',
      status: this.status,
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      ...(this.previousStatus !== undefined ? { previousStatus: this.previousStatus } : {}),
      parties: { clientId: input.clientId },
      items: input.items,
      totalCents: invoice.amountCents,
      currency: input.currency,
      archived: false,
      invoice,
      services,
      transitions: [...this.entries],
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}
