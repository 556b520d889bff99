import { InvalidPageTokenError, InvalidQueryError } from './errors';
import { parseVisibilityQuery, type SortKeyPart, type VisibilityQuery } from './query';
import { executionStatusName, type VisibilityRecord } from './record';
import type { SearchAttributeRegistry } from './searchAttributes';

/** ListWorkflowExecutions' page size when the request leaves it at 0 (the real server's default). */
export const DEFAULT_PAGE_SIZE = 1000;

export interface ListResult {
  records: VisibilityRecord[];
  /** Opaque token for the next page; null when this page is the last. */
  nextPageToken: Buffer | null;
}

export interface CountGroup {
  /** One value per GROUP BY attribute; ExecutionStatus as its name ('Running', ...). */
  groupValues: string[];
  count: number;
}

export interface CountResult {
  count: number;
  /** Present when the query has GROUP BY. */
  groups?: CountGroup[];
}

const TOKEN_VERSION = 1;

/**
 * One visibility record per run, per namespace, in memory. Listing scans the namespace with the
 * compiled query (fine for tens of thousands of runs) and pages by keyset: the token holds the
 * sort key of the last record returned, so records upserted between pages neither repeat nor
 * shift the pages that follow.
 */
export class VisibilityStore {
  private readonly namespaces = new Map<string, Map<string, VisibilityRecord>>();

  constructor(readonly registry: SearchAttributeRegistry) {}

  /** Inserts or replaces the record of (namespace, runId). The record is copied shallowly. */
  upsert(record: VisibilityRecord): void {
    let runs = this.namespaces.get(record.namespace);
    if (runs === undefined) {
      runs = new Map();
      this.namespaces.set(record.namespace, runs);
    }
    runs.set(record.runId, { ...record, searchAttributes: { ...record.searchAttributes } });
  }

  get(namespace: string, runId: string): VisibilityRecord | undefined {
    return this.namespaces.get(namespace)?.get(runId);
  }

  delete(namespace: string, runId: string): boolean {
    return this.namespaces.get(namespace)?.delete(runId) ?? false;
  }

  /** Number of records in a namespace (all namespaces when omitted). */
  size(namespace?: string): number {
    if (namespace !== undefined) return this.namespaces.get(namespace)?.size ?? 0;
    let n = 0;
    for (const runs of this.namespaces.values()) n += runs.size;
    return n;
  }

  /**
   * ListWorkflowExecutions: records matching `query`, ordered by its ORDER BY (default StartTime
   * DESC), then RunId. pageSize <= 0 means DEFAULT_PAGE_SIZE. Throws InvalidQueryError or
   * InvalidPageTokenError (both VisibilityError -> INVALID_ARGUMENT).
   */
  list(
    namespace: string,
    query: string | null | undefined,
    pageSize?: number | null,
    nextPageToken?: Uint8Array | null,
  ): ListResult {
    const compiled = parseVisibilityQuery(query, this.registry);
    if (compiled.groupBy) {
      throw new InvalidQueryError(
        'invalid visibility query: GROUP BY is only supported by CountWorkflowExecutions',
        query ?? '',
      );
    }
    const size = pageSize && pageSize > 0 ? Math.floor(pageSize) : DEFAULT_PAGE_SIZE;
    const after =
      nextPageToken && nextPageToken.length > 0 ? decodeToken(nextPageToken, compiled) : undefined;

    const candidates: { record: VisibilityRecord; key: SortKeyPart[] }[] = [];
    for (const record of this.namespaces.get(namespace)?.values() ?? []) {
      if (!compiled.matches(record)) continue;
      const key = compiled.sortKey(record);
      if (after !== undefined && compiled.compareKeys(key, after) <= 0) continue;
      candidates.push({ record, key });
    }
    candidates.sort((a, b) => compiled.compareKeys(a.key, b.key));
    const page = candidates.slice(0, size);
    const last = page[page.length - 1];
    return {
      records: page.map((c) => c.record),
      nextPageToken: candidates.length > size && last ? encodeToken(last.key) : null,
    };
  }

  /** CountWorkflowExecutions, with groups for `GROUP BY ExecutionStatus`. */
  count(namespace: string, query: string | null | undefined): CountResult {
    const compiled = parseVisibilityQuery(query, this.registry);
    if (compiled.orderBy.length > 0) {
      throw new InvalidQueryError(
        'invalid visibility query: ORDER BY is not supported by CountWorkflowExecutions',
        query ?? '',
      );
    }
    let count = 0;
    const byStatus = new Map<number, number>();
    for (const record of this.namespaces.get(namespace)?.values() ?? []) {
      if (!compiled.matches(record)) continue;
      count++;
      if (compiled.groupBy) byStatus.set(record.status, (byStatus.get(record.status) ?? 0) + 1);
    }
    if (!compiled.groupBy) return { count };
    const groups = [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => ({ groupValues: [executionStatusName(status) ?? String(status)], count: n }));
    return { count, groups };
  }
}

function encodeToken(key: SortKeyPart[]): Buffer {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, k: key }), 'utf8');
}

function decodeToken(token: Uint8Array, query: VisibilityQuery): SortKeyPart[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token).toString('utf8'));
  } catch {
    throw new InvalidPageTokenError('invalid nextPageToken: not a token issued by this server');
  }
  const key = (parsed as { v?: unknown; k?: unknown } | null)?.k;
  const expectedLength = Math.max(query.orderBy.length, 1) + 1;
  if (
    (parsed as { v?: unknown } | null)?.v !== TOKEN_VERSION ||
    !Array.isArray(key) ||
    key.length !== expectedLength ||
    !key.every((part) => part === null || typeof part === 'number' || typeof part === 'string')
  ) {
    throw new InvalidPageTokenError('invalid nextPageToken: it does not belong to this query');
  }
  return key as SortKeyPart[];
}
