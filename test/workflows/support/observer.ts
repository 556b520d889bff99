import type { Client } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import { emailLogName, emailMessageId, type Provisioner } from '../../../activities';
import type { EmailTemplate, OrderActivities } from '../../../activities/contract';
import type {
  PanelAccountRequest,
  PanelActivationRequest,
} from '../../../activities/provisioning/provisioner';
import type { PrismaClient } from '../../../generated/prisma/client';
import { listingWorkflowId, orderWorkflowId, type OrderView } from '../../../workflows/contract';
import type { SmtpSink } from '../../activities/smtp-sink';
import { statusWhen } from './wait';

/**
 * The provisioner interface with a log of every call that reached the panel, so tests can count
 * attempts: createAccount logs the service id, activateProduct `orderId:itemId`.
 */
export class RecordingProvisioner implements Provisioner {
  readonly calls: string[] = [];

  constructor(private readonly panel: Provisioner) {}

  createAccount(request: PanelAccountRequest): Promise<{ accountId: string }> {
    this.calls.push(request.serviceId);
    return this.panel.createAccount(request);
  }

  activateProduct(request: PanelActivationRequest): Promise<{ activationId: string }> {
    this.calls.push(`${request.orderId}:${request.orderItemId}`);
    return this.panel.activateProduct(request);
  }
}

export interface ObserverParts {
  prisma: PrismaClient;
  sink: SmtpSink;
  provisioner: RecordingProvisioner;
  /** The simulated panel's own set: a product in it is refused until removed. */
  failingProducts: Set<string>;
  client: Client;
}

/**
 * What the scenario tests assert on, read from the real parts the workers use: the messages that
 * arrived at the SMTP server, the Postgres projection, and the calls that reached the panel.
 */
export class ActivityObserver {
  readonly prisma: PrismaClient;
  /** Products the simulated panel refuses (createAccount and activateProduct) while listed. */
  readonly failingProducts: Set<string>;
  /** Set when two projections of the same order ever overlapped (the workflow must never do that). */
  overlappingProjection = false;
  private readonly sink: SmtpSink;
  private readonly provisioner: RecordingProvisioner;
  private readonly client: Client;
  private readonly inFlight = new Map<string, number>();
  /** Orders and listings projected since the last agreement check, with their kind. */
  private readonly unchecked = new Map<string, OrderView['kind']>();
  /** Each panel account or activation an order showed, with that order: no two orders share one. */
  private readonly accountOwners = new Map<string, string>();

  constructor(parts: ObserverParts) {
    this.prisma = parts.prisma;
    this.sink = parts.sink;
    this.provisioner = parts.provisioner;
    this.failingProducts = parts.failingProducts;
    this.client = parts.client;
  }

  /** createAccount: the service id; activateProduct: `orderId:itemId`; one entry per panel call. */
  get provisioningCalls(): readonly string[] {
    return this.provisioner.calls;
  }

  /** The real projection activity, noting which orders it wrote and whether two calls overlapped. */
  watchProjection(activities: OrderActivities): OrderActivities {
    return {
      ...activities,
      projectOrder: async (view, entries) => {
        const inFlight = (this.inFlight.get(view.orderId) ?? 0) + 1;
        this.inFlight.set(view.orderId, inFlight);
        if (inFlight > 1) this.overlappingProjection = true;
        // Noted before the write, so an order whose projection keeps failing is checked too.
        this.unchecked.set(view.orderId, view.kind);
        try {
          await activities.projectOrder(view, entries);
        } finally {
          this.inFlight.set(view.orderId, (this.inFlight.get(view.orderId) ?? 1) - 1);
        }
      },
    };
  }

  /** Messages of the order that arrived over SMTP, in arrival order (a duplicate shows twice). */
  messagesFor(orderId: string): { template: EmailTemplate; key: string | undefined; mail: ParsedMail }[] {
    // The Message-ID is `<orderId.template[.key]@orders>` (emailMessageId), the order id encoded if need be.
    const [prefix, suffix] = emailMessageId(orderId, '\0').split('\0') as [string, string];
    return this.sink.messages.flatMap((mail) => {
      const id = mail.messageId?.startsWith('<') ? mail.messageId : `<${mail.messageId ?? ''}>`;
      if (!id.startsWith(prefix) || !id.endsWith(suffix)) return [];
      const [template, ...key] = id.slice(prefix.length, id.length - suffix.length).split('.');
      return /^[a-z_]+$/.test(template!)
        ? [{ template: template as EmailTemplate, key: key.length > 0 ? key.join('.') : undefined, mail }]
        : [];
    });
  }

  /** Templates of the order's messages that arrived over SMTP, in arrival order. */
  emailsFor(orderId: string): EmailTemplate[] {
    return this.messagesFor(orderId).map((m) => m.template);
  }

  /** The SMTP server answers 550 to this recipient until acceptRecipient. */
  rejectRecipient(address: string): void {
    this.sink.rejectRecipients.add(address);
  }

  acceptRecipient(address: string): void {
    this.sink.rejectRecipients.delete(address);
  }

  /** The order's emails the mail server refused for good, as email_log records them. */
  async refusedEmailsFor(orderId: string): Promise<{ template: string; lastError: string | null }[]> {
    return this.prisma.emailLog.findMany({
      where: { orderId, failedAt: { not: null } },
      select: { template: true, lastError: true },
      orderBy: { template: 'asc' },
    });
  }

  /** Message-IDs that arrived more than once: every email must arrive exactly once. */
  duplicateMessageIds(): string[] {
    const seen = new Map<string, number>();
    for (const { messageId } of this.sink.messages)
      if (messageId) seen.set(messageId, (seen.get(messageId) ?? 0) + 1);
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  }

  /** The order as Postgres holds it, with invoice, services, audit rows (in order) and email log. */
  projectedOrder(orderId: string) {
    return this.prisma.order.findUnique({
      where: { id: orderId },
      include: {
        invoice: true,
        services: true,
        auditEntries: { orderBy: { sequence: 'asc' } },
        emails: true,
      },
    });
  }

  projectedListing(listingId: string) {
    return this.prisma.serviceListing.findUnique({ where: { id: listingId } });
  }

  /**
   * For every order or listing projected since the last call: waits until Postgres agrees with the
   * workflow's `status` query (the projection and emails drain after a status change), then
   * throws, naming each difference, if it never does. Agreement also means every email the
   * order logged as sent arrived over SMTP exactly once, and nothing arrived unlogged.
   */
  async expectProjectionsAgree(timeoutMs = 20_000): Promise<void> {
    const pending = [...this.unchecked];
    this.unchecked.clear();
    for (const [id, kind] of pending) {
      const handle = this.client.workflow.getHandle(
        kind === 'listing' ? listingWorkflowId(id) : orderWorkflowId(id),
      );
      await statusWhen(
        async () => this.disagreements(await handle.query<OrderView>('status')),
        (differences) => differences.length === 0,
        timeoutMs,
      );
    }
  }

  /** What differs between the workflow's view and Postgres (plus SMTP); empty when they agree. */
  async disagreements(view: OrderView): Promise<string[]> {
    const differences: string[] = [];
    const same = (what: string, actual: unknown, expected: unknown) => {
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        differences.push(
          `${view.orderId} ${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
        );
    };
    const byId = <T extends { id: string }>(list: readonly T[]) =>
      [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    if (view.kind === 'listing') {
      const listing = await this.projectedListing(view.orderId);
      if (!listing) return [`listing ${view.orderId} is not projected`];
      same('status', listing.status, view.status);
      same('reason', listing.reason, view.statusReason ?? null);
      return differences;
    }

    const row = await this.projectedOrder(view.orderId);
    if (!row) return [`order ${view.orderId} is not projected`];
    same('kind', row.kind, view.kind);
    same('status', row.status, view.status);
    same('statusReason', row.statusReason, view.statusReason ?? null);
    same('archived', row.archived, view.archived);
    same(
      'audit sequences',
      row.auditEntries.map((e) => e.sequence),
      view.transitions.map((e) => e.sequence),
    );
    same(
      'audit actions',
      row.auditEntries.map((e) => `${e.action}:${e.outcome}`),
      view.transitions.map((e) => `${e.action}:${e.outcome}`),
    );
    if (view.invoice) {
      same('invoice', row.invoice && [row.invoice.status, row.invoice.amountCents], [
        view.invoice.status,
        view.invoice.amountCents,
      ]);
    }
    same(
      'services',
      byId(row.services).map((s) => [s.id, s.status, s.externalAccountId]),
      byId(view.services).map((s) => [s.id, s.status, s.externalAccountId ?? null]),
    );
    for (const service of view.services) {
      if (!service.externalAccountId) continue;
      const shownBy = this.accountOwners.get(service.externalAccountId) ?? view.orderId;
      this.accountOwners.set(service.externalAccountId, shownBy);
      same(`order showing panel account ${service.externalAccountId}`, view.orderId, shownBy);
      if (view.kind === 'checkout') {
        same(
          `panel accounts of ${service.id}`,
          await this.prisma.panelAccount.count({ where: { kind: 'account', idempotencyKey: service.id } }),
          1,
        );
      } else if (view.kind === 'sales') {
        // The activation the order shows is this order's customer's, not another order's item.
        const activations = await this.prisma.panelAccount.findMany({
          where: { kind: 'activation', accountId: service.externalAccountId },
        });
        same(
          `owner of activation ${service.externalAccountId}`,
          activations.map((a) => a.ownerId),
          [view.parties.customerId],
        );
      }
    }
    // Each logged email is sent or refused for good; a claimed row that is neither is still
    // draining. The sent ones arrived over SMTP, once each.
    const sent = row.emails.filter((e) => e.messageId !== null).map((e) => e.template);
    const refused = row.emails.filter((e) => e.messageId === null && e.failedAt !== null);
    same(
      'emails sent or refused (email_log)',
      [...sent, ...refused.map((e) => e.template)].sort(),
      row.emails.map((e) => e.template).sort(),
    );
    same(
      'emails arrived over SMTP',
      this.messagesFor(view.orderId)
        .map((m) => emailLogName(m.template, m.key))
        .sort(),
      sent.sort(),
    );
    return differences;
  }
}
