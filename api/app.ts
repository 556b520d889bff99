// The HTTP API: thin by design. It authenticates, validates, asks the domain whether an action is
// allowed, then starts, signals or queries workflows; lists and details come from the projection.
import path from 'node:path';
import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { httpTelemetry } from '../telemetry/http';
import { registerFailedProjectionsGauge } from '../telemetry/metrics';
import { authenticate } from './auth/authenticate';
import type { ApiDeps } from './deps';
import { guardBody } from './body-guard';
import { DOCS_ASSETS, docsInitScript, docsPage, openApiDocument } from './openapi';
import { HttpProblem, notFound, problemHandler, sendProblem } from './problem';
import { catalogRouter } from './routes/catalog';
import { healthRouter } from './routes/health';
import { listingsRouter } from './routes/listings';
import { ordersRouter } from './routes/orders';
import { principalsRouter } from './routes/principals';

export type { ApiDeps } from './deps';

export const BODY_LIMIT = '64kb';

/** The reference page's static files, from the swagger-ui-dist package. */
const swaggerUiAssets = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** JSON bodies only: anything else with a body is refused before a handler sees it. */
function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json') && !req.is('application/*+json')) {
    throw new HttpProblem(415, 'request bodies must be application/json');
  }
  next();
}

export function createApp(deps: ApiDeps): Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  // First: the request's span and metrics cover everything below, refusals included.
  app.use(httpTelemetry());
  registerFailedProjectionsGauge(() => deps.prisma.projectionFailure.count());
  app.use(
    pinoHttp({
      logger: deps.logger,
      // One short entry per request (method, path, status, time, principal): headers and bodies
      // made the log unreadable and are the reverse proxy's to keep. The key never appears.
      quietReqLogger: true,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url,
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customProps: (req) => {
        const principal = (req as Request).principal;
        return principal ? { principal: `${principal.role}:${principal.id}` } : {};
      },
      customSuccessMessage: (req, res, ms) => `${req.method} ${req.url} ${res.statusCode} ${ms}ms`,
      customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode} failed`,
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    }),
  );
  app.use(helmet());
  app.use(requireJsonBodies);
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(guardBody);

  // Public: health, the OpenAPI document and its page.
  app.use(healthRouter(deps));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage());
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('text/javascript').send(docsInitScript);
  });
  app.use(DOCS_ASSETS, express.static(swaggerUiAssets, { index: false, fallthrough: false }));

  // Every resource needs a key; unknown paths fall through to a plain 404.
  const api = express.Router();
  api.use(['/principals', '/products', '/settings', '/listings', '/orders'], authenticate(deps.prisma));
  api.use(principalsRouter(deps));
  api.use(catalogRouter(deps));
  api.use(listingsRouter(deps));
  api.use(ordersRouter(deps));
  app.use(api);

  app.use((req, res) => sendProblem(res, req, notFound(`no route ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.logger));
  return app;
}
