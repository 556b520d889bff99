// POST .../actions/:action for orders and listings: authorise with the domain against the order as
// its workflow shows it, signal, and answer with the order once the workflow has recorded the
// request (or as it stands when the bounded wait ends).
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { aOrAn, refusalHttpStatus, type Actor, type Refusal, type RefusalCode } from '../../domain';
import type { ActionSignal, OrderView, TransitionEntry } from '../../workflows/contract';
import { actorOf, principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf, requestHash, reserveActionKey } from '../idempotency';
import { forbidden, HttpProblem, notFound } from '../problem';
import { queryStatus, signalAndWait } from './live';
import { findProjectedOrder } from './projection';
import { claimPaymentReference, releasePaymentReference } from './payment-reference';
import {
  allowedActionsFor,
  canSee,
  decideAction,
  isKnownAction,
  lifecycleOf,
  orderResource,
} from './order-model';

export function refusalProblem(refusal: Refusal): HttpProblem {
  const { code, message, ...rest } = refusal;
  if (code === 'not_party') return notFound('no such order');
  const extensions: Record<string, unknown> = { code };
  if ('status' in rest) extensions.orderStatus = rest.status;
  for (const [key, value] of Object.entries(rest)) if (key !== 'status') extensions[key] = value;
  return new HttpProblem(refusalHttpStatus[code], message, extensions);
}

/** A refusal the workflow recorded (the order changed between our check and the signal). */
function refusedEntryProblem(entry: TransitionEntry, view: OrderView | undefined): HttpProblem {
  const code = entry.refusal;
  const status =
    code && Object.hasOwn(refusalHttpStatus, code) ? refusalHttpStatus[code as RefusalCode] : 409;
  return new HttpProblem(status, entry.reason ?? 'the workflow refused the action', {
    code,
    orderStatus: view?.status,
  });
}

/**
 * An order (or listing) the projection shows but whose workflow the Temporal server does not
 * know: its state was lost there (e.g. a server that kept nothing across a restart). Shown, but
 * nothing can change it; a 409 naming the cause, not a 404 for what GET shows.
 */
export const WORKFLOW_MISSING =
  'its workflow is missing on the Temporal server (its state was lost): it is shown as last stored, but no action can be taken';

export function workflowMissing(what: string): HttpProblem {
  return new HttpProblem(409, `this ${what} cannot change: ${WORKFLOW_MISSING}`, {
    code: 'workflow_missing',
  });
}

async function projectedAndVisible(
  deps: ApiDeps,
  target: { id: string; what: string; visibleToNonParty?: boolean },
  actor: Actor,
): Promise<boolean> {
  if (target.what === 'listing') {
    const row = await deps.prisma.serviceListing.findUnique({
      where: { id: target.id },
      select: { isvId: true, status: true },
    });
    if (!row) return false;
    return (
      actor.role === 'admin' ||
      actor.role === 'system' ||
      row.isvId === actor.id ||
      (target.visibleToNonParty === true && row.status === 'online')
    );
  }
  const projected = await findProjectedOrder(deps.prisma, target.id);
  return projected !== null && projected.view.kind !== 'listing' && canSee(actor, projected.view);
}

export async function runAction(
  deps: ApiDeps,
  req: Request,
  res: Response,
  target: {
    workflowId: string;
    /** The order or listing id (the idempotency key row names it). */
    id: string;
    what: string;
    action: string;
    /** Whether a caller who is not a party may still see the target (an online listing). */
    visibleToNonParty?: boolean;
  },
  render: (view: Parameters<typeof orderResource>[0]) => unknown,
): Promise<void> {
  const principal = principalOf(req);
  const actor = actorOf(principal);
  const key = idempotencyKeyOf(req);
  const live = await queryStatus(deps.temporal, target.workflowId);
  if (!live.found) {
    if (await projectedAndVisible(deps, target, actor)) throw workflowMissing(target.what);
    throw notFound(`no such ${target.what}`);
  }
  const isParty = canSee(actor, live.view);
  if (!isParty && !target.visibleToNonParty) throw notFound(`no such ${target.what}`);
  // No such action is no such resource (404), whoever asks: not a question of the caller's role.
  if (!isKnownAction(live.view, target.action)) {
    throw new HttpProblem(
      404,
      `no action ${JSON.stringify(target.action)} on ${aOrAn(lifecycleOf(live.view.kind).title)}`,
      {
        code: 'unknown_action',
        action: target.action,
        allowedActions: allowedActionsFor(live.view, actor, new Date()),
      },
    );
  }
  // With an Idempotency-Key, a retried request carries the same request id and the workflow
  // recognises it as a duplicate instead of acting twice. The id ends in a digest of the body, so
  // a retry with another body is told apart: 422, as for order creation.
  const body: unknown = req.body ?? {};
  const keyed = key ? `${principal.id}:${key}` : undefined;
  const hash = requestHash('POST', `${req.baseUrl}${req.path}`, body);
  const digest = requestHash('POST', target.action, body).slice(0, 16);
  const requestId = keyed ? `${keyed}:${digest}` : randomUUID();
  const handled = keyed ? live.view.transitions.find((e) => sameKey(e.requestId, keyed)) : undefined;
  if (handled) {
    if (handled.requestId !== requestId && handled.requestId !== keyed) {
      throw new HttpProblem(422, 'this Idempotency-Key was used with a different request', {
        idempotencyKey: key,
        action: handled.action,
      });
    }
    replayHandled(res, live.view, handled, { key: key!, action: target.action }, render);
    return;
  }

  const now = new Date();
  if (!isParty) {
    // The caller sees the target but takes no part in it: its role may never act on it (403),
    // which is no secret once the target itself is visible (404 would deny what GET shows).
    throw forbidden(`${aOrAn(actor.role)} may not take actions on this ${target.what}`, {
      code: 'role_not_allowed',
      role: actor.role,
      action: target.action,
    });
  }
  const decision = decideAction(live.view, actor, target.action, body, now);
  if (!decision.ok) throw refusalProblem(decision.refusal);
  // A payment's reference is claimed before the key is reserved: a refused claim leaves no key
  // behind that a retry could use to signal the payment anyway.
  const reference =
    live.view.kind === 'checkout' && target.action === 'pay' ? String(decision.fields.reference) : undefined;
  const claimed = reference !== undefined && (await claimPaymentReference(deps.prisma, target.id, reference));
  // The key is reserved once the domain allows the action: a key used for another request (an
  // order's creation, another action or body) is 422 here, and of concurrent requests with this
  // one exactly one is 'first'. The others still signal (the workflow drops a repeated request
  // id), so a first request that died before its signal is made good by its retry.
  const reservation = key
    ? await reserveActionKey(deps.prisma, { principalId: principal.id, key, hash, targetId: target.id })
    : 'first';

  const signal: ActionSignal = { actor, fields: decision.fields, requestId };
  const { view, entry } = await signalAndWait(
    deps.temporal,
    target.workflowId,
    target.action,
    signal,
    live.view.transitions.length,
    deps.actionWaitMs ?? 2_000,
  );
  if (entry?.outcome === 'refused' && entry.refusal !== 'duplicate') {
    if (claimed) await releasePaymentReference(deps.prisma, target.id, reference!);
    throw refusedEntryProblem(entry, view);
  }
  const current = view ?? live.view;
  res.status(202).json({
    ...(render(current) as object),
    request: {
      id: requestId,
      action: target.action,
      // applied: recorded by the workflow; duplicate: a retry of a request it handled before;
      // pending: signalled, not yet recorded when the wait ended.
      outcome:
        reservation === 'again'
          ? 'duplicate'
          : entry
            ? entry.outcome === 'accepted'
              ? 'applied'
              : 'duplicate'
            : 'pending',
    },
  });
}

/** The entry's request id is this caller's key: with a body digest, or (before digests) bare. */
function sameKey(requestId: string | undefined, keyed: string): boolean {
  if (requestId === undefined) return false;
  if (requestId === keyed) return true;
  return requestId.startsWith(`${keyed}:`) && /^[0-9a-f]{16}$/.test(requestId.slice(keyed.length + 1));
}

/**
 * A retry of a request the workflow already recorded (same caller and Idempotency-Key): answered
 * from that entry without asking the domain again, since the order has moved on since. Another
 * action under the same key is a different request: 422, as for order creation.
 */
function replayHandled(
  res: Response,
  view: OrderView,
  handled: TransitionEntry,
  { key, action }: { key: string; action: string },
  render: (view: OrderView) => unknown,
): void {
  if (handled.action !== action) {
    throw new HttpProblem(422, 'this Idempotency-Key was used with a different request', {
      idempotencyKey: key,
      action: handled.action,
    });
  }
  if (handled.outcome === 'refused') throw refusedEntryProblem(handled, view);
  res.status(202).json({
    ...(render(view) as object),
    request: { id: handled.requestId, action, outcome: 'duplicate' },
  });
}
