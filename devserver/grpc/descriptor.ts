/**
 * A compact description of the protobuf root @temporalio/proto ships, made when the launcher's
 * bundle is built, from which the server builds message types one at a time on first use.
 *
 * Why: building the whole root (about 1,100 messages and enums) takes most of a spawn's start-up,
 * while answering GetSystemInfo needs a handful of them. The types are built by the same
 * protobufjs, from the same JSON, in the same namespaces, so they encode exactly as the SDK's.
 */

/** The parts of protobufjs (the copy @temporalio/proto depends on) this module uses. */
export interface ProtobufLight {
  Root: new () => PbNamespace;
  Namespace: new (name: string, options?: object) => PbNamespace;
  Type: { new (name: string): PbType; fromJSON(name: string, json: object): PbType };
  Enum: { new (name: string): PbObject; fromJSON(name: string, json: object): PbObject };
  Service: new (name: string) => PbService;
}
interface PbObject {
  name: string;
  fullName: string;
  parent: PbNamespace | null;
  options?: Record<string, unknown>;
  toJSON(): Record<string, unknown>;
}
interface PbNamespace extends PbObject {
  nested?: Record<string, PbObject>;
  nestedArray: PbObject[];
  add(object: PbObject): PbNamespace;
  lookup(path: string): PbObject | null;
}
interface PbType extends PbObject {
  fieldsArray: { resolve(): { resolvedType: PbObject | null } }[];
  methodsArray?: undefined;
}
interface PbService extends PbObject {
  methodsArray: PbMethod[];
}
/** A service method as protobufjs reflects it (the full root's or the bundle's). */
export interface PbMethod {
  name: string;
  requestStream?: boolean;
  responseStream?: boolean;
  /** The method's options as declared, e.g. [{ '(google.api.http)': { get: '/...' } }]. */
  parsedOptions?: Record<string, unknown>[] | null;
  resolve(): { resolvedRequestType: PbObject | null; resolvedResponseType: PbObject | null };
}

/** A unary or streaming method: what a gRPC service definition needs, types by full name. */
export interface MethodInfo {
  name: string;
  requestType: string;
  responseType: string;
  requestStream: boolean;
  responseStream: boolean;
  /** The method's HTTP bindings (google.api.http and its additional_bindings); [] when none. */
  http: HttpRule[];
}

/** One HTTP binding of a method, as grpc-gateway serves it: verb, path template, body field. */
export interface HttpRule {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** e.g. /api/v1/namespaces/{namespace}/workflows/{execution.workflow_id} */
  path: string;
  /** '*' (the whole request), a field's name, or undefined (no body: query parameters). */
  body?: string;
}

const VERBS = ['get', 'post', 'put', 'delete', 'patch'] as const;

/** The HTTP bindings in a method's options (kept for the HTTP API; the gRPC server ignores them). */
export function httpRules(parsedOptions: PbMethod['parsedOptions']): HttpRule[] {
  type Binding = Partial<Record<(typeof VERBS)[number] | 'body', string>> & {
    additional_bindings?: Binding | Binding[];
  };
  const rule = parsedOptions?.find((o) => o['(google.api.http)'])?.['(google.api.http)'] as
    Binding | undefined;
  if (!rule) return [];
  const bindings = [rule, ...([] as Binding[]).concat(rule.additional_bindings ?? [])];
  return bindings.flatMap((b) => {
    const verb = VERBS.find((v) => typeof b[v] === 'string');
    if (!verb) return [];
    const r: HttpRule = { method: verb.toUpperCase() as HttpRule['method'], path: b[verb]! };
    if (b.body) r.body = b.body;
    return [r];
  });
}

/** A method's description from its reflection object. */
export function methodInfo(m: PbMethod): MethodInfo {
  const r = m.resolve();
  return {
    name: m.name,
    requestType: plainName(r.resolvedRequestType!),
    responseType: plainName(r.resolvedResponseType!),
    requestStream: !!m.requestStream,
    responseStream: !!m.responseStream,
    http: httpRules(m.parsedOptions),
  };
}

export interface ProtoDescriptor {
  /** @temporalio/proto's version: a descriptor from another version is not used. */
  protoVersion: string;
  /** Package namespaces (full name, no leading dot) and their options. */
  namespaces: Record<string, Record<string, unknown> | null>;
  services: Record<string, MethodInfo[]>;
  /**
   * Messages and enums declared directly in a package, by full name: kind, where its protobufjs
   * JSON (nested declarations included) sits in `types`, and the units its fields refer to.
   */
  units: Record<string, ['type' | 'enum', number, number, string[]]>;
  /**
   * The units' JSON texts, one after the other: each is parsed when first needed (parsing them
   * all at once, cold, costs tens of milliseconds).
   */
  types: string;
}

const plainName = (o: PbObject): string => o.fullName.replace(/^\./, '');

/** Describes a fully built root (done when the bundle is built, not at start-up). */
export function describeRoot(pb: ProtobufLight, root: PbNamespace, protoVersion: string): ProtoDescriptor {
  const isType = (o: PbObject): o is PbType => o instanceof pb.Type;
  const isService = (o: PbObject): o is PbService => o instanceof pb.Service;
  const isEnum = (o: PbObject): boolean => o instanceof pb.Enum;
  const isPackage = (o: PbObject): o is PbNamespace =>
    o instanceof pb.Namespace && !isType(o) && !isService(o);
  const d: ProtoDescriptor = { protoVersion, namespaces: {}, services: {}, units: {}, types: '' };
  const texts: string[] = [];
  let offset = 0;
  // The unit (package-level declaration) an object belongs to.
  const unitOf = (o: PbObject): string => {
    let u = o;
    while (u.parent && !isPackage(u.parent)) u = u.parent;
    return plainName(u);
  };
  const depsOf = (o: PbObject, self: string, deps: Set<string>) => {
    if (isType(o)) {
      for (const f of o.fieldsArray) {
        const t = f.resolve().resolvedType;
        if (t && unitOf(t) !== self) deps.add(unitOf(t));
      }
    }
    for (const n of (o as PbNamespace).nestedArray ?? []) depsOf(n, self, deps);
  };
  const walk = (ns: PbNamespace) => {
    for (const o of ns.nestedArray) {
      if (isPackage(o)) {
        d.namespaces[plainName(o)] = o.options ?? null;
        walk(o);
      } else if (isService(o)) {
        d.services[plainName(o)] = o.methodsArray.map(methodInfo);
      } else if (isType(o) || isEnum(o)) {
        const name = plainName(o);
        const deps = new Set<string>();
        depsOf(o, name, deps);
        const text = JSON.stringify(o.toJSON());
        d.units[name] = [isType(o) ? 'type' : 'enum', offset, offset + text.length, [...deps]];
        texts.push(text);
        offset += text.length;
      }
      // Package-level extension fields only extend descriptor options, which the server never encodes.
    }
  };
  walk(root);
  d.types = texts.join('');
  return d;
}

/** A protobufjs root whose messages and enums are built from a descriptor when first looked up. */
export class LazyRoot {
  private readonly root: PbNamespace;
  private readonly built = new Set<string>();

  constructor(
    private readonly pb: ProtobufLight,
    readonly descriptor: ProtoDescriptor,
  ) {
    this.root = new pb.Root();
  }

  /** The message or enum of that full name (no leading dot), built with everything it refers to. */
  lookup(name: string): PbObject | null {
    const unit = this.unitOf(name);
    if (unit === undefined) return null;
    this.build(unit);
    return this.root.lookup(name);
  }

  private unitOf(name: string): string | undefined {
    for (let n = name; n; n = n.slice(0, Math.max(0, n.lastIndexOf('.')))) {
      if (this.descriptor.units[n]) return n;
    }
    return undefined;
  }

  private build(unit: string): void {
    // Iterative depth-first: dependencies first is not needed (references resolve on first use),
    // only that every referred unit is in the root by then.
    const stack = [unit];
    while (stack.length) {
      const name = stack.pop()!;
      if (this.built.has(name)) continue;
      this.built.add(name);
      const [kind, start, end, deps] = this.descriptor.units[name]!;
      const json = JSON.parse(this.descriptor.types.slice(start, end)) as object;
      const dot = name.lastIndexOf('.');
      const ns = this.namespace(name.slice(0, Math.max(0, dot)));
      const local = name.slice(dot + 1);
      ns.add(kind === 'type' ? this.pb.Type.fromJSON(local, json) : this.pb.Enum.fromJSON(local, json));
      for (const dep of deps) if (!this.built.has(dep)) stack.push(dep);
    }
  }

  private namespace(path: string): PbNamespace {
    let ns = this.root;
    if (!path) return ns;
    let full = '';
    for (const part of path.split('.')) {
      full = full ? `${full}.${part}` : part;
      let next = ns.nested?.[part] as PbNamespace | undefined;
      if (!next) {
        next = new this.pb.Namespace(part, this.descriptor.namespaces[full] ?? undefined);
        ns.add(next);
      }
      ns = next;
    }
    return ns;
  }
}
