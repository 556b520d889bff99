// The OpenAPI 3.1 document, generated from the zod schemas the handlers validate with (domain
// action fields included, responses from ./resources), and the reference page that renders it.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { lifecycles, type AnyLifecycle } from '../domain';
import {
  actionResultSchema,
  issuedKeySchema,
  listingActionResultSchema,
  listingPageSchema,
  listingSchema,
  liveSchema,
  orderPageSchema,
  orderSchema,
  productListSchema,
  productSchema,
  readySchema,
  settingsSchema,
} from './resources';
import {
  createListingBody,
  createOrderBody,
  createPrincipalBody,
  createProductBody,
  listListingsQuery,
  listOrdersQuery,
  settingsBody,
} from './schemas';

// `meta({ id })` names a component: the generator emits it once and refers to it.
const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
  })
  .meta({ id: 'Problem' });

const json = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
});

type Responses = RouteConfig['responses'];
const problems = (...statuses: number[]): Responses =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: 'problem details (RFC 9457)',
        content: { 'application/problem+json': { schema: problem } },
      },
    ]),
  );
const ok = (status: number, description: string, schema: z.ZodType, extra: number[] = []): Responses => ({
  [String(status)]: { description, content: { 'application/json': { schema } } },
  ...problems(400, 401, ...extra),
});

const idParam = z.object({ id: z.string() });
const actionParam = z.object({ id: z.string(), action: z.string() });

function buildDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key `ok_...` issued by POST /principals (or BOOTSTRAP_ADMIN_KEY)',
  });
  // One component per lifecycle action: the fields its body carries (the domain's own schemas).
  const actionSchemas = new Map<string, z.ZodType[]>();
  for (const lifecycle of lifecycles as unknown as AnyLifecycle[]) {
    actionSchemas.set(
      lifecycle.name,
      lifecycle.actionNames.map((action) =>
        (lifecycle.actions[action]!.fields as z.ZodType).meta({ id: `${lifecycle.name}.${action}` }),
      ),
    );
  }
  const anyOf = (...names: string[]) =>
    z.union(names.flatMap((n) => actionSchemas.get(n) ?? []) as [z.ZodType, z.ZodType, ...z.ZodType[]]);

  const route = (config: Omit<RouteConfig, 'security'>, open = false) =>
    registry.registerPath({ ...config, ...(open ? { security: [] } : { security: [{ bearer: [] }] }) });

  route(
    {
      method: 'get',
      path: '/health/live',
      summary: 'Liveness',
      responses: ok(200, 'the process serves HTTP', liveSchema),
    },
    true,
  );
  route(
    {
      method: 'get',
      path: '/health/ready',
      summary: 'Readiness: database and Temporal reachable',
      responses: { ...ok(200, 'ready', readySchema), ...problems(503) },
    },
    true,
  );
  route({
    method: 'post',
    path: '/principals',
    summary: 'Issue an API key (admin); the key is returned once',
    request: { body: json(createPrincipalBody) },
    responses: ok(201, 'the key and its principal', issuedKeySchema, [403, 409, 422]),
  });
  route({
    method: 'get',
    path: '/products',
    summary: 'List the catalog',
    responses: ok(200, 'products', productListSchema),
  });
  route({
    method: 'post',
    path: '/products',
    summary: 'Add a product (admin)',
    request: { body: json(createProductBody) },
    responses: ok(201, 'the product', productSchema, [403, 409, 422]),
  });
  route({
    method: 'get',
    path: '/settings',
    summary: 'Checkout settings (admin)',
    responses: ok(200, 'settings', settingsSchema, [403]),
  });
  route({
    method: 'put',
    path: '/settings',
    summary: 'Change checkout settings (admin); new orders snapshot them',
    request: { body: json(settingsBody) },
    responses: ok(200, 'settings', settingsSchema, [403, 422]),
  });
  route({
    method: 'post',
    path: '/listings',
    summary: 'Create a service listing (ISV, or admin for an ISV)',
    request: { body: json(createListingBody) },
    responses: ok(201, 'the listing in draft', listingSchema, [403, 422]),
  });
  route({
    method: 'get',
    path: '/listings',
    summary: 'List service listings the caller may see',
    request: { query: listListingsQuery },
    responses: ok(200, 'a page of listings (without their history)', listingPageSchema),
  });
  route({
    method: 'get',
    path: '/listings/{id}',
    summary: 'One listing with its history',
    request: { params: idParam },
    responses: ok(200, 'the listing', listingSchema, [404]),
  });
  route({
    method: 'post',
    path: '/listings/{id}/actions/{action}',
    summary: 'Take a listing action (submit, approve, reject, withdraw, archive, edit)',
    request: { params: actionParam, body: json(anyOf('service_listing')) },
    responses: ok(
      202,
      'the listing as its workflow reports it',
      listingActionResultSchema,
      [403, 404, 409, 422],
    ),
  });
  route({
    method: 'post',
    path: '/orders',
    summary: 'Place an order: checkout (client/admin), service (merchant), sales (salesperson)',
    description:
      'Send an Idempotency-Key header to make retries safe: the same key and body return the same order; the same key with another request (another body, or one already used for an action) is 422.',
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().optional() }),
      body: json(createOrderBody),
    },
    responses: ok(
      201,
      'the order as its workflow reports it (checkout: pending with its invoice)',
      orderSchema,
      [403, 409, 422],
    ),
  });
  route({
    method: 'get',
    path: '/orders',
    summary: 'Cursor pages of the orders the caller may see',
    request: { query: listOrdersQuery },
    responses: ok(200, 'a page of order summaries; nextCursor is null on the last page', orderPageSchema),
  });
  route({
    method: 'get',
    path: '/orders/{id}',
    summary: 'An order with its items, invoice, services and history',
    request: { params: idParam },
    responses: ok(200, 'the order', orderSchema, [404]),
  });
  route({
    method: 'post',
    path: '/orders/{id}/actions/{action}',
    summary: "Take an action on an order; the body is the action's fields",
    description:
      '404 when the caller may not see the order or the action does not exist, 403 when its role may never take the action, 409 when the status does not allow it (the problem names the status and the actions allowed now), 422 for invalid fields. With an Idempotency-Key, a retry with the same key, path and body answers as the first request did (request.outcome "duplicate"); the same key with another request (another body, action or order, or a key that placed an order) is 422.',
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().optional() }),
      params: actionParam,
      body: json(anyOf('checkout', 'checkout_service', 'service_order', 'sales_order')),
    },
    responses: ok(
      202,
      'the order as its workflow reports it after the action',
      actionResultSchema,
      [403, 404, 409, 422],
    ),
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Order orchestrator API',
      version: '0.1.0',
      description: 'Order lifecycles on Temporal; errors are application/problem+json (RFC 9457).',
    },
  });
}

let cached: ReturnType<typeof buildDocument> | undefined;
export function openApiDocument(): ReturnType<typeof buildDocument> {
  cached ??= buildDocument();
  return cached;
}

/**
 * The reference page: Swagger UI (swagger-ui-dist, served by the API itself: no CDN) on
 * /openapi.json, with "Try it out" and the bearer key under "Authorize". Its start-up is a script
 * file of ours, not inline, so the default Content-Security-Policy (script-src 'self') holds.
 */
export const DOCS_ASSETS = '/docs/assets';

export function docsPage(): string {
  const title = openApiDocument().info.title;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="${DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;
}

export const docsInitScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  persistAuthorization: false,
});
`;
