import type { ProjectionFailure } from '../resources';
import { Router } from 'express';
import { isTerminal, type Actor } from '../../domain';
import type { Prisma } from '../../generated/prisma/client';
import { ORDER_KINDS, orderWorkflowId, type OrderView } from '../../workflows/contract';
import { actorOf, principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { idempotencyKeyOf, requestHash, withIdempotency } from '../idempotency';
import { runAction, WORKFLOW_MISSING } from '../orders/actions';
import { planOrder } from '../orders/create-order';
import { queryStatus, startOnce, viewWhen } from '../orders/live';
import { canSee, lifecycleOf, orderResource } from '../orders/order-model';
import { decodeCursor, encodeCursor, findProjectedOrder, summaryOf } from '../orders/projection';
import { badRequest, HttpProblem, notFound, parseWith } from '../problem';
import { createOrderBody, idParams, listOrdersQuery } from '../schemas';
import { ordersCreated } from '../../telemetry/metrics';

/** How long POST /orders waits for the new workflow to answer its first `status` query. */
const START_WAIT_MS = 5_000;

/** Orders an actor may see: every order for admin and system, else those naming its subject. */
function visibleTo(actor: Actor): Prisma.OrderWhereInput {
  switch (actor.role) {
    case 'admin':
    case 'system':
      return {};
    case 'client':
      return { clientId: actor.id };
    case 'isv':
      return { isvId: actor.id };
    case 'merchant':
      return { merchantId: actor.id };
    case 'salesperson':
      return { salespersonId: actor.id };
    case 'customer':
      return { customerId: actor.id };
  }
}

/**
 * Shown on an order whose projection failed for good: lists (which read the projection) may show
 * an older state than the order itself. The database's error is for admins only.
 */
function projectionFailureOf(
  failure: { revision: number; error: string; attempts: number; failedAt: Date },
  actor: Actor,
): ProjectionFailure {
  return {
    status: 'failed',
    detail: "the order's latest state could not be stored for listing; lists may show an older state",
    failedAt: failure.failedAt.toISOString(),
    revision: failure.revision,
    attempts: failure.attempts,
    ...(actor.role === 'admin' || actor.role === 'system' ? { error: failure.error } : {}),
  };
}

export function ordersRouter(deps: ApiDeps): Router {
  const router = Router();
  const taskQueue = deps.taskQueue ?? deps.config.ORDERS_TASK_QUEUE;

  router.post('/orders', async (req, res) => {
    const principal = principalOf(req);
    const actor = actorOf(principal);
    const key = idempotencyKeyOf(req);
    const body = parseWith(createOrderBody, req.body, 'order');
    const hash = requestHash('POST', '/orders', req.body);
    const response = await withIdempotency(
      deps.prisma,
      { principalId: principal.id, key, hash },
      () => planOrder(deps, principal, actor, body),
      async (orderId, plan) => {
        const workflowId = orderWorkflowId(orderId);
        await startOnce(deps.temporal, {
          workflowType: plan.workflowType,
          workflowId,
          taskQueue,
          input: plan.input(orderId),
        });
        ordersCreated.inc({ kind: body.kind });
        const view = await viewWhen(deps.temporal, workflowId, () => true, START_WAIT_MS);
        if (!view) return { status: 202, body: { id: orderId, kind: body.kind, status: 'starting' } };
        return { status: 201, body: orderResource(view, actor, new Date()) };
      },
    );
    const id = (response.body as { id?: string } | null)?.id;
    if (id) res.location(`/orders/${encodeURIComponent(id)}`);
    res.status(response.status).json(response.body);
  });

  router.get('/orders', async (req, res) => {
    const actor = actorOf(principalOf(req));
    const query = parseWith(listOrdersQuery, req.query, 'query', 400);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) throw badRequest('invalid cursor');
    const filters: Prisma.OrderWhereInput[] = [visibleTo(actor)];
    if (query.status) filters.push({ status: query.status });
    if (query.kind) filters.push({ kind: query.kind });
    else filters.push({ kind: { in: [...ORDER_KINDS] } });
    if (query.clientId) filters.push({ clientId: query.clientId });
    if (query.customerId) filters.push({ customerId: query.customerId });
    if (query.from) filters.push({ createdAt: { gte: new Date(query.from) } });
    if (query.to) filters.push({ createdAt: { lt: new Date(query.to) } });
    if (query.archived !== 'true') filters.push({ archived: query.archived === 'only' });
    if (cursor) {
      filters.push({
        OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
      });
    }
    const rows = await deps.prisma.order.findMany({
      where: { AND: filters },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    res.json({
      data: page.map(summaryOf),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
    });
  });

  router.get('/orders/:id', async (req, res) => {
    const actor = actorOf(principalOf(req));
    const parsed = idParams.safeParse(req.params);
    if (!parsed.success) throw notFound('no such order');
    const id = parsed.data.id;
    const [projected, failure] = await Promise.all([
      findProjectedOrder(deps.prisma, id),
      deps.prisma.projectionFailure.findUnique({ where: { orderId: id } }),
    ]);
    // The projection is final once the order is terminal; before that (or before the first
    // projection is written) the workflow's own view is fresher.
    let live: OrderView | undefined;
    let missing = false;
    const settled =
      projected &&
      isTerminal(lifecycleOf(projected.view.kind), projected.view.status) &&
      projected.view.services.every((s) => s.status === 'active' || s.status === 'activated');
    if (!settled) {
      try {
        const answer = await queryStatus(deps.temporal, orderWorkflowId(id), 1_500);
        if (answer.found) live = answer.view;
        else missing = true;
      } catch (error) {
        if (!projected || !(error instanceof HttpProblem)) throw error;
      }
    }
    const view = live ?? projected?.view;
    if (!view || view.kind === 'listing' || !canSee(actor, view)) throw notFound('no such order');
    const now = new Date();
    let resource = live
      ? orderResource(live, actor, now)
      : orderResource(view, actor, now, projected!.history);
    // Shown as last stored, but its workflow is gone: nothing can be done to it (see runAction).
    if (missing)
      resource = {
        ...resource,
        allowedActions: [],
        workflow: { status: 'missing', detail: WORKFLOW_MISSING },
      };
    res.json(failure ? { ...resource, projection: projectionFailureOf(failure, actor) } : resource);
  });

  router.post('/orders/:id/actions/:action', async (req, res) => {
    const parsed = idParams.safeParse({ id: req.params.id });
    if (!parsed.success) throw notFound('no such order');
    const actor = actorOf(principalOf(req));
    const id = parsed.data.id;
    // An action name the order's lifecycle does not know is a 404 naming it, once the caller is
    // known to see the order (404 for the order first, so foreign orders reveal nothing).
    const action = String(req.params.action);
    await runAction(deps, req, res, { workflowId: orderWorkflowId(id), id, what: 'order', action }, (view) =>
      orderResource(view, actor, new Date()),
    );
  });

  return router;
}
