/**
 * Temporal's HTTP API (the frontend's `--http-port`): the routes of the services' google.api.http
 * bindings, JSON as grpc-gateway with Temporal's marshaler writes it, dispatched to the SAME
 * handlers the gRPC server calls, with the same wait for durability before a reply.
 *
 * Request mapping as grpc-gateway: path variables set fields (`{execution.workflow_id}`); with
 * `body: "*"` the JSON body is the request and query parameters are ignored; without a body,
 * query parameters set fields by proto or JSON name (unknown ones ignored). Errors are a
 * google.rpc.Status `{code, message, details}` with the HTTP status grpc-gateway gives the code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { RpcError, invalidArgument } from '../grpc/errors';
import { TO_OBJECT_OPTIONS, lookupType, serviceMethods, type ProtoType } from '../grpc/proto';
import { invokeHandler, type Handler, type Handlers, type ServiceHandlers } from '../grpc/server';
import { fromProtoJson, reflected, setFieldFromText, toProtoJson, type JsonObject } from './protojson';
import { RouteTable, type Route } from './routes';

export interface HttpApiOptions {
  services: ServiceHandlers[];
  /** What a reply waits for after its handler (as the gRPC server: the change on disk). */
  beforeReply?: (method: string) => Promise<void> | undefined;
  onError?: (method: string, err: unknown) => void;
}

/** grpc-gateway's HTTPStatusFromCode. */
const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

/** Query parameters Temporal's frontend reads itself (output form), never request fields. */
const FRONTEND_PARAMS = new Set(['pretty', 'noPayloadShorthand']);

/** The largest request body accepted (the gRPC server's receive limit). */
const MAX_BODY_BYTES = 128 * 1024 * 1024;

export class HttpApi {
  private readonly routes: RouteTable;
  private readonly handlers = new Map<string, Handlers>();
  private readonly validators = new Map<string, NonNullable<ServiceHandlers['validate']>>();
  private server: Server | undefined;

  constructor(private readonly options: HttpApiOptions) {
    this.routes = new RouteTable(
      options.services.map((s) => ({ name: s.name, methods: serviceMethods(s.name) })),
    );
    for (const s of options.services) {
      this.handlers.set(s.name, s.handlers);
      if (s.validate) this.validators.set(s.name, s.validate);
    }
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.serve(req, res));
    // Long polls (history with waitNewEvent) are answered within the server's long-poll period.
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController();
    // The client went away before the answer (e.g. the UI left a page during a long poll).
    res.once('close', () => abort.abort());
    let method = 'http';
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const found = this.routes.match(req.method ?? 'GET', url.pathname);
      if ('error' in found) {
        req.resume();
        throw routingError(found.error);
      }
      const { route } = found;
      method = route.method.name;
      const reqType = lookupType(route.method.requestType);
      const json = await this.requestJson(route, reqType, found.params, url.searchParams, req);
      // Through the wire form, as the gRPC server decodes: the handler sees the same request.
      const message = fromProtoJson(reqType, json);
      const request = reqType.toObject(reqType.decode(reqType.encode(message).finish()), TO_OBJECT_OPTIONS);
      this.validators.get(route.service)?.(method, request);
      const handler = this.handlers.get(route.service)?.[method] as Handler | undefined;
      if (!handler) throw new RpcError(status.UNIMPLEMENTED, `unknown method ${method}`);
      const reply = await invokeHandler(
        handler,
        request,
        { signal: abort.signal, method, compressed: false },
        this.options.beforeReply,
      );
      const resType = lookupType(route.method.responseType);
      // Encoded as for gRPC (a history page is kept encoded), then read back as JSON.
      const bytes = resType.encode(resType.fromObject(reply)).finish();
      send(res, 200, toProtoJson(resType, resType.decode(bytes)), prettyAsked(req, url));
    } catch (err) {
      if (!(err instanceof RpcError)) this.options.onError?.(method, err);
      const e =
        err instanceof RpcError ? err : new RpcError(status.INTERNAL, (err as Error)?.message ?? String(err));
      send(res, HTTP_STATUS[e.code] ?? 500, statusJson(e), prettyAsked(req));
    }
  }

  /** The request's JSON from the route's path variables, body and query parameters. */
  private async requestJson(
    route: Route,
    reqType: ProtoType,
    params: [string, string][],
    query: URLSearchParams,
    req: IncomingMessage,
  ): Promise<JsonObject> {
    const type = reflected(reqType.fullName.slice(1));
    let json: JsonObject = {};
    const body = route.rule.body;
    if (body) {
      const parsed = await readJson(req);
      if (body === '*') {
        if (parsed !== undefined) {
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw invalidArgument('the request body must be a JSON object');
          json = parsed as JsonObject;
        }
      } else if (parsed !== undefined) {
        json[body] = parsed as JsonObject;
      }
    } else {
      req.resume();
    }
    if (body !== '*') {
      const bound = new Set(params.map(([f]) => f));
      for (const [name, value] of query) {
        if (!bound.has(name) && name !== body && !FRONTEND_PARAMS.has(name))
          setFieldFromText(type, json, name, value);
      }
    }
    // Path variables last: they win over the body, as in grpc-gateway.
    for (const [field, value] of params) {
      if (!setFieldFromText(type, json, field, value))
        throw invalidArgument(`path parameter ${field} names no field`);
    }
    return json;
  }
}

function routingError(kind: 'not-found' | 'method-not-allowed' | 'bad-path'): RpcError {
  // grpc-gateway's DefaultRoutingErrorHandler.
  if (kind === 'method-not-allowed') return new RpcError(status.UNIMPLEMENTED, 'Method Not Allowed');
  if (kind === 'bad-path') return new RpcError(status.INVALID_ARGUMENT, 'Bad Request');
  return new RpcError(status.NOT_FOUND, 'Not Found');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RpcError(status.RESOURCE_EXHAUSTED, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(`the request body is not JSON: ${(err as Error).message}`);
  }
}

/** google.rpc.Status as JSON, its details expanded as protojson's Any. */
function statusJson(err: RpcError): JsonObject {
  return {
    code: err.code,
    message: err.message,
    details: err.details.map((d) => {
      const t = lookupType(d.typeName);
      return { '@type': `type.googleapis.com/${d.typeName}`, ...toProtoJson(t, t.fromObject(d.value)) };
    }),
  };
}

/** Indented JSON, asked for as from Temporal's frontend: `?pretty`, or `Accept: application/json+pretty`. */
function prettyAsked(req: IncomingMessage, url?: URL): boolean {
  return (
    (url ?? new URL(req.url ?? '/', 'http://localhost')).searchParams.has('pretty') ||
    /\+pretty/.test(req.headers.accept ?? '')
  );
}

function send(res: ServerResponse, code: number, body: JsonObject, pretty = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
