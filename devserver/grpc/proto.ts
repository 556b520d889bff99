import * as protoModule from '@temporalio/proto';

/**
 * The protobufjs reflection root that @temporalio/proto ships: the exact message definitions (and
 * therefore the exact encoding) the SDK's client uses. Typed here only as far as the server needs.
 */
export interface ProtoType {
  fullName: string;
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(obj: object): object;
  toObject(message: object, options: object): Record<string, unknown>;
  verify?(obj: object): string | null;
}
export interface ProtoMethod {
  name: string;
  requestType: string;
  responseType: string;
  requestStream?: boolean;
  responseStream?: boolean;
  resolve(): ProtoMethod;
  resolvedRequestType: ProtoType | null;
  resolvedResponseType: ProtoType | null;
}
export interface ProtoService {
  fullName: string;
  methodsArray: ProtoMethod[];
}
interface ProtoRoot {
  lookupService(name: string): ProtoService;
  lookupType(name: string): ProtoType;
}

// The package's module object is the (patched) protobufjs Root; `root` is its own enumerable getter.
export const protoRoot: ProtoRoot = (protoModule as unknown as { root: ProtoRoot }).root;

/** Plain-object decoding options: int64 as numbers, enums as numbers, bytes as Buffers. */
export const TO_OBJECT_OPTIONS = {
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: false,
  arrays: true,
};

const typeCache = new Map<string, ProtoType>();
export function lookupType(name: string): ProtoType {
  let t = typeCache.get(name);
  if (!t) {
    t = protoRoot.lookupType(name);
    typeCache.set(name, t);
  }
  return t;
}

/** Encodes a plain object as the given message type (unknown fields are ignored by fromObject). */
export function encodeMessage(typeName: string, obj: object): Buffer {
  const t = lookupType(typeName);
  return Buffer.from(t.encode(t.fromObject(obj)).finish());
}

export function decodeMessage(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const t = lookupType(typeName);
  return t.toObject(t.decode(bytes), TO_OBJECT_OPTIONS);
}
