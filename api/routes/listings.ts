import type { ListingResource } from '../resources';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { aOrAn, type Actor } from '../../domain';
import type { Prisma } from '../../generated/prisma/client';
import { listingWorkflowId, type OrderView, type ServiceListingInput } from '../../workflows/contract';
import { actorOf, principalOf } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { runAction } from '../orders/actions';
import { requirePartyKind } from '../orders/create-order';
import { queryStatus, startOnce, viewWhen } from '../orders/live';
import { allowedActionsFor, historyOf } from '../orders/order-model';
import { decodeCursor, encodeCursor } from '../orders/projection';
import { badRequest, forbidden, notFound, parseWith, unprocessable } from '../problem';
import { createListingBody, idParams, listListingsQuery } from '../schemas';

type ListingRow = Prisma.ServiceListingGetPayload<object>;

function listingOut(row: ListingRow, view: OrderView | undefined, actor: Actor): ListingResource {
  return {
    id: row.id,
    isvId: row.isvId,
    name: row.name,
    description: row.description,
    priceCents: row.priceCents,
    currency: row.currency,
    status: view?.status ?? row.status,
    reason: view ? (view.statusReason ?? null) : row.reason,
    allowedActions: view ? allowedActionsFor(view, actor, new Date()) : [],
    history: view ? historyOf(view.transitions) : undefined,
    createdAt: (view ? new Date(view.createdAt) : row.createdAt).toISOString(),
    updatedAt: (view ? new Date(view.updatedAt) : row.updatedAt).toISOString(),
  };
}

/** ISVs see their own listings, admins every one, everyone else the online ones. */
function mayList(actor: Actor, row: { isvId: string; status: string }): boolean {
  if (actor.role === 'admin' || actor.role === 'system') return true;
  if (actor.role === 'isv') return row.isvId === actor.id;
  return row.status === 'online';
}

function visibleListings(actor: Actor): Prisma.ServiceListingWhereInput {
  if (actor.role === 'admin' || actor.role === 'system') return {};
  if (actor.role === 'isv') return { isvId: actor.id };
  return { status: 'online' };
}

export function listingsRouter(deps: ApiDeps): Router {
  const router = Router();
  const taskQueue = deps.taskQueue ?? deps.config.ORDERS_TASK_QUEUE;

  router.post('/listings', async (req, res) => {
    const principal = principalOf(req);
    const actor = actorOf(principal);
    const body = parseWith(createListingBody, req.body, 'listing');
    let isvId: string;
    if (principal.role === 'isv') {
      if (body.isvId !== undefined && body.isvId !== actor.id)
        throw forbidden('an ISV lists its own services only');
      isvId = actor.id;
    } else if (principal.role === 'admin') {
      if (body.isvId === undefined) {
        throw unprocessable('isvId is required when an admin creates a listing', {
          issues: [{ path: 'isvId', message: 'required' }],
        });
      }
      isvId = body.isvId;
      await requirePartyKind(deps.prisma, isvId, 'isv', 'isvId');
      await deps.prisma.party.createMany({
        data: [{ id: isvId, kind: 'isv', name: isvId, email: `${isvId}@example.invalid` }],
        skipDuplicates: true,
      });
    } else {
      throw forbidden(`${aOrAn(principal.role)} may not create service listings (ISVs may)`);
    }
    const id = randomUUID();
    const currency = body.currency ?? 'USD';
    // The row carries what the workflow's view does not (name, description). Its updatedAt is the
    // epoch so that the workflow's first projection, stamped with workflow time, always applies.
    const row = await deps.prisma.serviceListing.create({
      data: {
        id,
        isvId,
        name: body.name,
        description: body.description ?? null,
        priceCents: body.priceCents ?? null,
        currency,
        status: 'draft',
        updatedAt: new Date(0),
      },
    });
    const input: ServiceListingInput = {
      listingId: id,
      isvId,
      name: body.name,
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.priceCents !== undefined ? { priceCents: body.priceCents } : {}),
      currency,
      createdBy: actor,
    };
    const workflowId = listingWorkflowId(id);
    try {
      await startOnce(deps.temporal, { workflowType: 'serviceListing', workflowId, taskQueue, input });
    } catch (error) {
      // The start may have happened with its answer lost: then the listing stands. No workflow,
      // no listing: a row left behind would be listed yet refuse every action, so it is removed
      // when the server says there is no such workflow. While it cannot be asked (the same
      // outage) the row stays, for a start that may have happened; the caller gets the 503.
      const started = await deps.temporal.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => 'yes' as const,
          (e: unknown) => (e instanceof WorkflowNotFoundError ? ('no' as const) : ('unknown' as const)),
        );
      if (started === 'no') {
        await deps.prisma.serviceListing.delete({ where: { id } }).catch((e: unknown) => {
          req.log?.error({ err: e, listingId: id }, 'could not remove the listing of a failed start');
        });
      }
      if (started !== 'yes') throw error;
    }
    const view = await viewWhen(deps.temporal, workflowId, () => true, 5_000);
    res
      .status(201)
      .location(`/listings/${id}`)
      .json(listingOut(row, view, actor));
  });

  router.get('/listings', async (req, res) => {
    const actor = actorOf(principalOf(req));
    const query = parseWith(listListingsQuery, req.query, 'query', 400);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (cursor === null) throw badRequest('invalid cursor');
    const filters: Prisma.ServiceListingWhereInput[] = [visibleListings(actor)];
    if (query.status) filters.push({ status: query.status });
    if (query.isvId) filters.push({ isvId: query.isvId });
    if (cursor) {
      filters.push({
        OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
      });
    }
    const rows = await deps.prisma.serviceListing.findMany({
      where: { AND: filters },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    res.json({
      data: page.map((row) => {
        const { history: _history, ...rest } = listingOut(row, undefined, actor);
        return rest;
      }),
      nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null,
    });
  });

  router.get('/listings/:id', async (req, res) => {
    const actor = actorOf(principalOf(req));
    const parsed = idParams.safeParse(req.params);
    if (!parsed.success) throw notFound('no such listing');
    const row = await deps.prisma.serviceListing.findUnique({ where: { id: parsed.data.id } });
    if (!row || !mayList(actor, row)) throw notFound('no such listing');
    const live = await queryStatus(deps.temporal, listingWorkflowId(row.id), 1_500).catch(() => undefined);
    res.json(listingOut(row, live?.found ? live.view : undefined, actor));
  });

  router.post('/listings/:id/actions/:action', async (req, res) => {
    const actor = actorOf(principalOf(req));
    const parsed = idParams.safeParse({ id: req.params.id });
    if (!parsed.success) throw notFound('no such listing');
    const id = parsed.data.id;
    const row = await deps.prisma.serviceListing.findUnique({ where: { id } });
    // The same rule as GET /listings/:id: 404 only for a listing the caller may not see.
    if (!row || !mayList(actor, row)) throw notFound('no such listing');
    await runAction(
      deps,
      req,
      res,
      {
        workflowId: listingWorkflowId(id),
        id,
        what: 'listing',
        action: String(req.params.action),
        visibleToNonParty: true,
      },
      (view) => listingOut(row, view, actor),
    );
  });

  return router;
}
