// The API's request telemetry, first in the middleware chain: one server span per request (its
// parent taken from a `traceparent` header), the context every handler and the Temporal client
// run in, and the request counter and latency by route and status.
//
// A middleware rather than the http/express auto-instrumentations: those patch modules as they are
// required, which needs the SDK loaded before anything else (and does not happen under jest).
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { httpDuration, httpRequests } from './metrics';

/**
 * The route template that answered (`/orders/:id`), never the path itself: ids in label values
 * would make a series per order. Requests no route took (404s, static files) share one value.
 */
export function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
}

export function httpTelemetry(): RequestHandler {
  const tracer = trace.getTracer('order-orchestrator/api');
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    let ended = false;
    // 'finish' once the answer is sent; 'close' alone when the client went away before it.
    const end = (): void => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      const status = res.statusCode;
      const labels = { method: req.method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      span.updateName(`${req.method} ${route}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    // The body parser continues in the request stream's event handlers: bound to the context, so
    // the handlers after it (and the client calls they make) still see the request's span.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
