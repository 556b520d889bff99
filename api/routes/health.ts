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

/** live: the process serves HTTP. ready: it can also reach the database and Temporal. */
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
    const body = { status: ready ? 'ok' : 'unavailable', checks: { database, temporal } };
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
