import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { RpcError, encodeStatusDetails } from './errors';
import { TO_OBJECT_OPTIONS, lookupType, serviceMethods, type ProtoType } from './proto';

/**
 * A handler as this registry calls it: with the decoded request (int64 as numbers, bytes as
 * Buffers) and the call's cancellation. Each service types its own handlers by its proto messages
 * (grpc/messages.ts: WorkflowServiceHandlers...); the registry only passes the request through.
 */
export type Handler = (req: never, ctx: CallContext) => Promise<object> | object;
export interface CallContext {
  /** Aborted when the client cancels the call or its deadline passes (long polls must stop then). */
  signal: AbortSignal;
  method: string;
  /** The request came compressed (gzip or deflate; see GetSystemInfo in frontend/). */
  compressed: boolean;
}
export type Handlers = { [method: string]: Handler | undefined };

/** A service as the gRPC server and the HTTP API serve it: its handlers and the check every request passes first. */
export interface ServiceHandlers {
  name: string;
  handlers: Handlers;
  /** Checks every decoded request first, unimplemented methods' too (Temporal's namespace validator). */
  validate?: (method: string, req: object) => void;
}

/**
 * Registers every method of a protobufjs service on a grpc-js server. Methods without a handler
 * answer UNIMPLEMENTED at once, with the "unknown method" wording the SDK's core accepts.
 * Message types are looked up on a method's first call, so registering costs no type building.
 */
export function addProtoService(
  server: Server,
  serviceName: string,
  handlers: Handlers,
  onError?: (method: string, err: unknown) => void,
  /** What a reply waits for after its handler (a persistent server: the changes on disk). */
  beforeReply?: (method: string) => Promise<void> | undefined,
  /** Checks every decoded request first, unimplemented methods' too (Temporal's namespace validator). */
  validate?: (method: string, req: object) => void,
): void {
  // grpc-js's ServiceDefinition is generic per method; this one is built from reflection at run time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const definition: Record<string, any> = {};
  const impl: UntypedServiceImplementation = {};
  for (const m of serviceMethods(serviceName)) {
    const reqType = () => lookupType(m.requestType);
    const resType = () => lookupType(m.responseType);
    definition[m.name] = {
      path: `/${serviceName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (obj: object) => Buffer.from(reqType().encode(reqType().fromObject(obj)).finish()),
      // Decoding errors surface as INTERNAL from grpc-js; we decode inside the handler instead.
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (obj: object) => Buffer.from(resType().encode(resType().fromObject(obj)).finish()),
      responseDeserialize: (bytes: Buffer) => resType().toObject(resType().decode(bytes), TO_OBJECT_OPTIONS),
      originalName: m.name,
    };
    if (m.requestStream || m.responseStream) {
      // Only unary methods are served; a streaming one (health Watch) is closed as unimplemented.
      impl[m.name] = (call: { emit: (e: string, err: object) => void; end?: () => void }) => {
        call.emit('error', { code: status.UNIMPLEMENTED, details: `unknown method ${m.name}` });
      };
      continue;
    }
    const handler = handlers[m.name];
    const unimplemented = () => {
      throw new RpcError(status.UNIMPLEMENTED, `unknown method ${m.name}`);
    };
    impl[m.name] = (call: ServerUnaryCall<Buffer, object>, callback: sendUnaryData<object>) => {
      if (!handler && !validate) {
        callback({ code: status.UNIMPLEMENTED, details: `unknown method ${m.name}` });
        return;
      }
      void serve(m.name, reqType(), handler ?? unimplemented, call, callback, onError, beforeReply, validate);
    };
  }
  server.addService(definition, impl);
}

async function serve(
  method: string,
  reqType: ProtoType,
  handler: Handler,
  call: ServerUnaryCall<Buffer, object>,
  callback: sendUnaryData<object>,
  onError?: (method: string, err: unknown) => void,
  beforeReply?: (method: string) => Promise<void> | undefined,
  validate?: (method: string, req: object) => void,
): Promise<void> {
  const abort = new AbortController();
  const onCancel = () => abort.abort();
  call.once('cancelled', onCancel);
  try {
    let req: object;
    try {
      req = reqType.toObject(reqType.decode(call.request), TO_OBJECT_OPTIONS);
    } catch (err) {
      throw new RpcError(
        status.INVALID_ARGUMENT,
        `malformed ${reqType.fullName.slice(1)}: ${(err as Error).message}`,
      );
    }
    validate?.(method, req);
    const res = await invokeHandler(
      handler,
      req,
      { signal: abort.signal, method, compressed: requestEncoding(call) !== 'identity' },
      beforeReply,
    );
    callback(null, res);
  } catch (err) {
    if (err instanceof RpcError) {
      const trailer = new Metadata();
      if (err.details.length) trailer.set('grpc-status-details-bin', encodeStatusDetails(err));
      callback({ code: err.code, details: err.message, metadata: trailer });
    } else {
      onError?.(method, err);
      callback({ code: status.INTERNAL, details: (err as Error)?.message ?? String(err) });
    }
  } finally {
    call.removeListener('cancelled', onCancel);
  }
}

/**
 * Runs a handler and waits for what its reply must wait for (a persistent server: the change on
 * disk). Shared by the gRPC server and the HTTP API, so both acknowledge the same way.
 */
export async function invokeHandler(
  handler: Handler,
  req: object,
  ctx: CallContext,
  beforeReply?: (method: string) => Promise<void> | undefined,
): Promise<object> {
  // The request is the message the handler's type names: decoded with that method's type.
  const res = await (handler as (req: object, ctx: CallContext) => Promise<object> | object)(req, ctx);
  const durable = beforeReply?.(ctx.method);
  if (durable) {
    try {
      await durable;
    } catch (err) {
      // The change was made in memory but cannot be made durable: not acknowledged.
      throw new RpcError(
        status.UNAVAILABLE,
        `the server cannot persist its state: ${(err as Error).message}`,
      );
    }
  }
  return res;
}

export async function bindServer(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

/**
 * The request's grpc-encoding. grpc-js strips the header from the call's metadata and keeps it on
 * its internal call object; 'identity' when that is not where this version keeps it.
 */
function requestEncoding(call: ServerUnaryCall<Buffer, object>): string {
  const inner = (call as unknown as { call?: { incomingEncoding?: unknown } }).call;
  return typeof inner?.incomingEncoding === 'string' ? inner.incomingEncoding : 'identity';
}
