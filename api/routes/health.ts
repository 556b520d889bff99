import { Router } from 'express';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * One dependency's check. The endpoint is public, so a failure is logged with its error (which may
 * name hosts, users or versions) and the caller only learns which dependency failed.
 */
async function check(
  logger: Logger,
  dependency: string,
  run: () => Promise<unknown>,
): Promise<{ ok: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true };
  } catch (error) {
    logger.error({ err: error, dependency }, `readiness check failed: ${dependency}`);
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * live: the process serves HTTP. ready: it can also reach the database and Temporal; `degraded`
 * (still 200) when orders' projections failed for good (`projection.failedOrders`).
 */
export function healthRouter(deps: ApiDeps): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      check(deps.logger, 'database', () => deps.prisma.$queryRaw`SELECT 1`),
      check(deps.logger, 'temporal', () => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ready = database.ok && temporal.ok;
    // Orders whose projection failed for good: the service is up, but lists diverge from the
    // workflows for them (degraded, still 200: the API itself serves).
    const failedOrders = database.ok
      ? await deps.prisma.projectionFailure.count().catch((error: unknown) => {
          deps.logger.error({ err: error }, 'could not count projection failures');
          return undefined;
        })
      : undefined;
    const degraded = failedOrders !== undefined && failedOrders > 0;
    const body = {
      status: ready ? (degraded ? 'degraded' : 'ok') : 'unavailable',
      checks: { database, temporal },
      ...(failedOrders !== undefined ? { projection: { ok: !degraded, failedOrders } } : {}),
    };
    if (ready) res.json(body);
    else
      res.status(503).type('application/problem+json').json({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'a dependency is unreachable',
        checks: body.checks,
      });
  });
  return router;
}
