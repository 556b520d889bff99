import {
  LazyRoot,
  methodInfo,
  type MethodInfo,
  type PbMethod,
  type ProtoDescriptor,
  type ProtobufLight,
} from './descriptor';

/**
 * The message definitions @temporalio/proto ships (and therefore the exact encoding the SDK's
 * client uses), typed here only as far as the server needs.
 *
 * Two sources, the same types: the launcher's bundle carries a descriptor of that root (see
 * bundle.mjs) and builds each type on first use, which keeps start-up short; in-process (tsx,
 * jest) the package's fully built root is used, as the SDK in the same process loads it anyway.
 */
export interface ProtoType {
  fullName: string;
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(obj: object): object;
  toObject(message: object, options: object): Record<string, unknown>;
  verify?(obj: object): string | null;
}
export type { HttpRule, MethodInfo } from './descriptor';

interface FullRoot {
  lookupService(name: string): { methodsArray: PbMethod[] };
  lookupType(name: string): ProtoType;
}
interface Source {
  methods(serviceName: string): MethodInfo[];
  lookupType(name: string): ProtoType;
}

/**
 * Defined by bundle.mjs: the descriptor's JSON without its `types`, and `types` apart (a string
 * literal in the bundle costs nothing to parse). Not defined when run from source.
 */
declare const __TEMPORAL_PROTO_DESCRIPTOR__: { index: string; types: string } | undefined;

function fullRoot(): FullRoot {
  // Loaded only when needed: the bundle never loads it. The module object is the protobufjs Root.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@temporalio/proto') as FullRoot;
}

function fullSource(): Source {
  const root = fullRoot();
  return {
    methods: (serviceName) => root.lookupService(serviceName).methodsArray.map(methodInfo),
    lookupType: (name) => root.lookupType(name),
  };
}

function descriptorSource(descriptor: ProtoDescriptor): Source {
  // Only reached in the bundle, where bundle.mjs resolves this to the protobufjs copy that
  // @temporalio/proto itself uses (another version may be installed at the top level).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lazy = new LazyRoot(require('protobufjs/light') as ProtobufLight, descriptor);
  let full: FullRoot | undefined;
  return {
    methods: (serviceName) => {
      const methods = descriptor.services[serviceName];
      return methods ?? fullSource().methods(serviceName);
    },
    lookupType: (name) => {
      const t = lazy.lookup(name) as ProtoType | null;
      if (t && 'fieldsArray' in t) return t;
      // Not a message of the described root: protobufjs's own error, from the full root.
      full ??= fullRoot();
      return full.lookupType(name);
    },
  };
}

function bundledDescriptor(): ProtoDescriptor | undefined {
  if (typeof __TEMPORAL_PROTO_DESCRIPTOR__ === 'undefined') return undefined;
  const { index, types } = __TEMPORAL_PROTO_DESCRIPTOR__;
  const descriptor = { ...(JSON.parse(index) as Omit<ProtoDescriptor, 'types'>), types };
  // A bundle built against another @temporalio/proto (upgraded since) must not be trusted.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('@temporalio/proto/package.json') as { version: string };
  return descriptor.protoVersion === version ? descriptor : undefined;
}

let source: Source | undefined;
function protoSource(): Source {
  if (!source) {
    const descriptor = bundledDescriptor();
    source = descriptor ? descriptorSource(descriptor) : fullSource();
  }
  return source;
}

/** The methods of a service by full name (no leading dot), with their message types' names. */
export function serviceMethods(serviceName: string): MethodInfo[] {
  return protoSource().methods(serviceName);
}

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
    t = protoSource().lookupType(name);
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
