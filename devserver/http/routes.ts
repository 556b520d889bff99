/**
 * The HTTP API's route table, made from the services' `google.api.http` bindings (every binding,
 * the `/api/v1` additional bindings included), matched as grpc-gateway matches them.
 */
import type { HttpRule, MethodInfo } from '../grpc/proto';

type Segment = { literal: string } | { field: string };

export interface Route {
  service: string;
  method: MethodInfo;
  rule: HttpRule;
  segments: Segment[];
  /** Literal segments: the more, the more specific (preferred when two templates match). */
  literals: number;
}

export type RouteMatch =
  | { route: Route; params: [field: string, value: string][] }
  | { error: 'not-found' | 'method-not-allowed' | 'bad-path' };

function compile(service: string, method: MethodInfo, rule: HttpRule): Route {
  const segments: Segment[] = rule.path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      const v = /^\{([\w.]+)\}$/.exec(s);
      return v ? { field: v[1]! } : { literal: s };
    });
  return { service, method, rule, segments, literals: segments.filter((s) => 'literal' in s).length };
}

export class RouteTable {
  private readonly bySegments = new Map<number, Route[]>();

  constructor(services: { name: string; methods: MethodInfo[] }[]) {
    for (const s of services) {
      for (const m of s.methods) {
        for (const rule of m.http) {
          const r = compile(s.name, m, rule);
          const list = this.bySegments.get(r.segments.length) ?? [];
          list.push(r);
          this.bySegments.set(r.segments.length, list);
        }
      }
    }
    for (const list of this.bySegments.values()) list.sort((a, b) => b.literals - a.literals);
  }

  get size(): number {
    let n = 0;
    for (const list of this.bySegments.values()) n += list.length;
    return n;
  }

  /** The route for a verb and a raw (still percent-encoded) path. */
  match(verb: string, rawPath: string): RouteMatch {
    const raw = rawPath.split('/').filter(Boolean);
    let parts: string[];
    try {
      // Each segment decoded on its own: an encoded "/" stays inside its segment (a workflow id).
      parts = raw.map((p) => decodeURIComponent(p));
    } catch {
      return { error: 'bad-path' };
    }
    let otherVerb = false;
    for (const route of this.bySegments.get(parts.length) ?? []) {
      const params: [string, string][] = [];
      const ok = route.segments.every((s, i) => {
        if ('literal' in s) return s.literal === parts[i];
        params.push([s.field, parts[i]!]);
        return true;
      });
      if (!ok) continue;
      if (route.rule.method !== verb) {
        otherVerb = true;
        continue;
      }
      return { route, params };
    }
    return { error: otherVerb ? 'method-not-allowed' : 'not-found' };
  }
}
