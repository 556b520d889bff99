// POST .../actions/:action for orders and listings: authorise with the domain against the order as
// its workflow shows it, signal, and answer with the order once the workflow has recorded the
// request (or as it stands when the bounded wait ends).
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { refusalHttpStatus, type Refusal, type RefusalCode } from '../../domain';
import type { ActionSignal } from '../../workflows/contract';
import { actorOf, principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf } from '../idempotency';
import { HttpProblem, notFound } from '../problem';
import { queryStatus, signalAndWait } from './live';
import { canSee, decideAction, orderResource } from './order-model';

export function refusalProblem(refusal: Refusal): HttpProblem {
  const { code, message, ...rest } = refusal;
  if (code === 'not_party') return notFound('no such order');
  const extensions: Record<string, unknown> = { code };
  if ('status' in rest) extensions.orderStatus = rest.status;
  for (const [key, value] of Object.entries(rest)) if (key !== 'status') extensions[key] = value;
  return new HttpProblem(refusalHttpStatus[code], message, extensions);
}

/** A refusal the workflow recorded (the order changed between our check and the signal). */
function workflowRefusalStatus(code: string | undefined): number {
  return code && Object.hasOwn(refusalHttpStatus, code) ? refusalHttpStatus[code as RefusalCode] : 409;
}

export async function runAction(
  deps: ApiDeps,
  req: Request,
  res: Response,
  target: { workflowId: string; what: string; action: string },
  render: (view: Parameters<typeof orderResource>[0]) => unknown,
): Promise<void> {
  const principal = principalOf(req);
  const actor = actorOf(principal);
  const key = idempotencyKeyOf(req);
  const live = await queryStatus(deps.temporal, target.workflowId);
  if (!live.found || !canSee(actor, live.view)) throw notFound(`no such ${target.what}`);
  const body: unknown = req.body ?? {};
  const now = new Date();
  const decision = decideAction(live.view, actor, target.action, body, now);
  if (!decision.ok) throw refusalProblem(decision.refusal);

  // With an Idempotency-Key, a retried request carries the same request id and the workflow
  // recognises it as a duplicate instead of acting twice.
  const requestId = key ? `${principal.id}:${key}` : randomUUID();
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
    throw new HttpProblem(
      workflowRefusalStatus(entry.refusal),
      entry.reason ?? 'the workflow refused the action',
      {
        code: entry.refusal,
        orderStatus: view?.status,
      },
    );
  }
  const current = view ?? live.view;
  res.status(202).json({
    ...(render(current) as object),
    request: {
      id: requestId,
      action: target.action,
      // applied: recorded by the workflow; duplicate: a retry of a request it handled before;
      // pending: signalled, not yet recorded when the wait ended.
      outcome: entry ? (entry.outcome === 'accepted' ? 'applied' : 'duplicate') : 'pending',
    },
  });
}
