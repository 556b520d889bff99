// One shape for an order whichever way it was read (the workflow's `status` query or the Prisma
// projection), and the bridge from that shape to the domain: which lifecycle, which snapshot
// `decide` sees, which actions the caller may take now.
import {
  allowedActions,
  aOrAn,
  checkoutLifecycle,
  checkoutServiceLifecycle,
  decide,
  isPartyTo,
  salesOrderLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
  type Actor,
  type AnyLifecycle,
  type OrderSnapshot,
  type Refusal,
} from '../../domain';
import type { OrderView, TransitionEntry } from '../../workflows/contract';
import type { HistoryEntry, OrderResource } from '../resources';

export type { HistoryEntry, OrderResource } from '../resources';

export type ViewKind = OrderView['kind'];

const lifecycleByKind: Record<ViewKind, AnyLifecycle> = {
  checkout: checkoutLifecycle as unknown as AnyLifecycle,
  service: serviceOrderLifecycle as unknown as AnyLifecycle,
  sales: salesOrderLifecycle as unknown as AnyLifecycle,
  listing: serviceListingLifecycle as unknown as AnyLifecycle,
};

export function lifecycleOf(kind: ViewKind): AnyLifecycle {
  return lifecycleByKind[kind];
}

/** Actions a caller may ask for: those some non-system role may take (the workflow takes the rest). */
function callerActions(lifecycle: AnyLifecycle): Set<string> {
  return new Set(
    lifecycle.transitions
      .filter((row) => row.roles.some((role) => role !== 'system'))
      .map((row) => row.action),
  );
}
const callerActionsByKind = new Map<AnyLifecycle, Set<string>>();
const callerActionsOf = (lifecycle: AnyLifecycle): Set<string> => {
  let found = callerActionsByKind.get(lifecycle);
  if (!found) callerActionsByKind.set(lifecycle, (found = callerActions(lifecycle)));
  return found;
};
const serviceLifecycle = checkoutServiceLifecycle as unknown as AnyLifecycle;

/** What `decide` needs: status, parties and the lifecycle's facts, read from the view. */
export function snapshotOf(view: OrderView): OrderSnapshot & Record<string, unknown> {
  const base = { status: view.status, ...view.parties };
  switch (view.kind) {
    case 'checkout':
      return {
        ...base,
        invoicePaid: view.invoice?.status === 'paid',
        invoiceDueAt: view.invoice?.dueAt ?? null,
        ...(view.invoice ? { invoiceAmountCents: view.invoice.amountCents } : {}),
      };
    case 'sales':
      return {
        ...base,
        approvalRoute: view.approvalRoute ?? null,
        previousStatus: view.previousStatus ?? null,
        activateAt: view.activateAt ?? null,
        expiresAt: view.expiresAt ?? null,
      };
    default:
      return base;
  }
}

export function canSee(actor: Actor, view: OrderView): boolean {
  return isPartyTo(actor, view.parties);
}

/** A checkout's `retry` acts on its failed services (their own lifecycle), not on the order. */
const isServiceAction = (view: OrderView, action: string): boolean =>
  view.kind === 'checkout' &&
  !Object.hasOwn(checkoutLifecycle.actions, action) &&
  callerActionsOf(serviceLifecycle).has(action);

/** Whether the action names anything the order's lifecycle (or a checkout's services) knows. */
export function isKnownAction(view: OrderView, action: string): boolean {
  return (
    Object.hasOwn(lifecycleOf(view.kind).actions, action) ||
    (view.kind === 'checkout' && Object.hasOwn(serviceLifecycle.actions, action))
  );
}

export function allowedActionsFor(view: OrderView, actor: Actor, now: Date): string[] {
  const lifecycle = lifecycleOf(view.kind);
  if (!Object.hasOwn(lifecycle.statuses, view.status) || !canSee(actor, view)) return [];
  const callable = callerActionsOf(lifecycle);
  const allowed = allowedActions(lifecycle, snapshotOf(view), actor, { now }).filter((a) => callable.has(a));
  if (view.kind === 'checkout') {
    for (const service of view.services) {
      if (!Object.hasOwn(serviceLifecycle.statuses, service.status)) continue;
      const snapshot = { status: service.status, ...view.parties };
      for (const action of allowedActions(serviceLifecycle, snapshot, actor, { now })) {
        if (callerActionsOf(serviceLifecycle).has(action) && !allowed.includes(action)) allowed.push(action);
      }
    }
  }
  return allowed;
}

export type ActionDecision =
  | { readonly ok: true; readonly fields: Record<string, unknown> }
  | { readonly ok: false; readonly refusal: Refusal };

/** The domain's answer to "may this actor take this action on the order as shown now?". */
export function decideAction(
  view: OrderView,
  actor: Actor,
  action: string,
  fields: unknown,
  now: Date,
): ActionDecision {
  const lifecycle = lifecycleOf(view.kind);
  if (!canSee(actor, view)) {
    return { ok: false, refusal: { code: 'not_party', message: 'no such order for this caller' } };
  }
  const serviceAction = isServiceAction(view, action);
  // Actions only the workflow takes (timers, provisioning results) are never requested through
  // the API, whoever asks and whatever the status.
  if (!serviceAction && Object.hasOwn(lifecycle.actions, action) && !callerActionsOf(lifecycle).has(action)) {
    return {
      ok: false,
      refusal: {
        code: 'role_not_allowed',
        role: actor.role,
        action,
        message: `${action} is taken by the workflow itself, not requested through the API`,
      },
    };
  }
  const decision = serviceAction
    ? decideServiceAction(view, actor, action, fields, now)
    : decide(lifecycle, snapshotOf(view), actor, action, fields, { now });
  if (!decision.ok) return decision;
  return { ok: true, fields: (decision.fields ?? {}) as Record<string, unknown> };
}

function decideServiceAction(
  view: OrderView,
  actor: Actor,
  action: string,
  fields: unknown,
  now: Date,
): ActionDecision {
  const target = view.services.find((s) => s.status === 'failed') ?? view.services[0];
  if (target) {
    const decision = decide(
      serviceLifecycle,
      { status: target.status, ...view.parties },
      actor,
      action,
      fields,
      {
        now,
      },
    );
    return decision.ok ? { ok: true, fields: decision.fields as Record<string, unknown> } : decision;
  }
  if (!serviceLifecycle.transitions.some((row) => row.action === action && row.roles.includes(actor.role))) {
    return {
      ok: false,
      refusal: {
        code: 'role_not_allowed',
        role: actor.role,
        action,
        message: `${aOrAn(actor.role)} may never ${action} a checkout service`,
      },
    };
  }
  return {
    ok: false,
    refusal: {
      code: 'status_not_allowed',
      status: view.status,
      action,
      allowedActions: allowedActionsFor(view, actor, now),
      message: `${action} is allowed only while a service of the order is failed`,
    },
  };
}

export function historyOf(entries: readonly TransitionEntry[]): HistoryEntry[] {
  return entries.map((e) => ({
    sequence: e.sequence,
    action: e.action,
    from: e.from,
    to: e.to,
    actor: { role: e.actor.role, id: e.actor.id },
    outcome: e.outcome,
    reason:
      [e.outcome === 'refused' ? e.refusal : undefined, e.reason]
        .filter((p): p is string => typeof p === 'string' && p.length > 0)
        .join(': ') || null,
    service: e.subject ?? null,
    at: e.at,
  }));
}

/** The order as the API shows it. */
export function orderResource(
  view: OrderView,
  actor: Actor,
  now: Date,
  history: HistoryEntry[] = historyOf(view.transitions),
): OrderResource {
  return {
    id: view.orderId,
    kind: view.kind,
    status: view.status,
    statusReason: view.statusReason ?? null,
    previousStatus: view.previousStatus ?? null,
    approvalRoute: view.approvalRoute ?? null,
    parties: view.parties,
    listingId: view.listingId ?? null,
    items: view.items.map((i) => ({
      id: i.id,
      productId: i.productId,
      productName: i.productName ?? null,
      productType: i.productType,
      quantity: i.quantity,
      unitPriceCents: i.unitPriceCents,
    })),
    totalCents: view.totalCents,
    currency: view.currency,
    activateAt: view.activateAt ?? null,
    expiresAt: view.expiresAt ?? null,
    archived: view.archived,
    invoice: view.invoice ?? null,
    services: view.services.map((s) => ({
      id: s.id,
      orderItemId: s.orderItemId,
      productId: s.productId,
      status: s.status,
      externalAccountId: s.externalAccountId ?? null,
      error: s.lastError ?? null,
      attempts: s.attempts,
    })),
    history,
    allowedActions: allowedActionsFor(view, actor, now),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}
