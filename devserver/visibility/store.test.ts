import { searchAttributePayloadConverter } from '@temporalio/common/lib/converter/payload-search-attributes';
import { InvalidPageTokenError, InvalidQueryError } from './errors';
import { EXECUTION_STATUS, type VisibilityRecord } from './record';
import { SearchAttributeRegistry } from './searchAttributes';
import { DEFAULT_PAGE_SIZE, VisibilityStore } from './store';

const registry = SearchAttributeRegistry.fromCliFlags(['Customer=Keyword', 'Amount=Int']);
const base = Date.UTC(2024, 0, 1);
const statuses = [EXECUTION_STATUS.Running, EXECUTION_STATUS.Completed, EXECUTION_STATUS.Failed];

/** Run i starts at minute floor(i / 2): every start time is shared by two runs, to exercise the tie-breaker. */
function run(i: number, namespace = 'default'): VisibilityRecord {
  const startTime = new Date(base + Math.floor(i / 2) * 60_000);
  const status = statuses[i % statuses.length] as number;
  return {
    namespace,
    workflowId: `wf-${i}`,
    runId: `run-${String(i).padStart(5, '0')}`,
    workflowType: i % 2 === 0 ? 'even' : 'odd',
    status,
    startTime,
    executionTime: startTime,
    closeTime: status === EXECUTION_STATUS.Running ? null : new Date(startTime.getTime() + 1000 * i),
    taskQueue: 'q',
    searchAttributes: { Customer: `c${i % 4}`, Amount: i },
    memo: {},
  };
}

function storeWith(count: number): VisibilityStore {
  const store = new VisibilityStore(registry);
  for (let i = 0; i < count; i++) store.upsert(run(i));
  return store;
}

/** Lists every page of a query, returning the run ids in order and the number of pages. */
function listAll(
  store: VisibilityStore,
  query: string,
  pageSize: number,
): { runIds: string[]; pages: number } {
  const runIds: string[] = [];
  let token: Buffer | null = null;
  let pages = 0;
  do {
    const page = store.list('default', query, pageSize, token);
    runIds.push(...page.records.map((r) => r.runId));
    token = page.nextPageToken;
    pages++;
  } while (token !== null);
  return { runIds, pages };
}

/** The expected order, computed independently: StartTime DESC, then RunId ascending. */
function byDefaultOrder(records: VisibilityRecord[]): string[] {
  return [...records]
    .sort((a, b) => b.startTime.getTime() - a.startTime.getTime() || a.runId.localeCompare(b.runId))
    .map((r) => r.runId);
}

describe('VisibilityStore.list', () => {
  it('pages with opaque tokens in StartTime DESC, RunId order without gaps or repeats', () => {
    const store = storeWith(25);
    const first = store.list('default', '', 10, null);
    expect(first.records).toHaveLength(10);
    expect(first.nextPageToken).toBeInstanceOf(Buffer);
    const { runIds, pages } = listAll(store, '', 10);
    expect(pages).toBe(3);
    expect(runIds).toEqual(byDefaultOrder(Array.from({ length: 25 }, (_, i) => run(i))));
  });

  it('returns no token when the last page is exactly full', () => {
    const store = storeWith(20);
    const second = store.list('default', '', 10, store.list('default', '', 10).nextPageToken);
    expect(second.records).toHaveLength(10);
    expect(second.nextPageToken).toBeNull();
  });

  it('pages over a filtered query and an ORDER BY', () => {
    const store = storeWith(30);
    const evens = Array.from({ length: 30 }, (_, i) => run(i)).filter((r) => r.workflowType === 'even');
    expect(listAll(store, "WorkflowType = 'even'", 4).runIds).toEqual(byDefaultOrder(evens));

    const ascending = listAll(store, "Customer IN ('c1', 'c2') ORDER BY Amount ASC", 3).runIds;
    const expected = Array.from({ length: 30 }, (_, i) => run(i))
      .filter((r) => ['c1', 'c2'].includes(r.searchAttributes.Customer as string))
      .map((r) => r.runId);
    expect(ascending).toEqual(expected);
  });

  it('neither repeats nor skips records when runs are upserted between pages', () => {
    const store = storeWith(12);
    const first = store.list('default', '', 5);
    // A newer run (sorts first) and an update of an already-listed run arrive between pages.
    store.upsert(run(100));
    const updated = { ...(first.records[0] as VisibilityRecord), status: EXECUTION_STATUS.Terminated };
    store.upsert(updated);
    const rest: string[] = [];
    let token = first.nextPageToken;
    while (token !== null) {
      const page = store.list('default', '', 5, token);
      rest.push(...page.records.map((r) => r.runId));
      token = page.nextPageToken;
    }
    const all = [...first.records.map((r) => r.runId), ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual(byDefaultOrder(Array.from({ length: 12 }, (_, i) => run(i))));
    expect(store.get('default', updated.runId)?.status).toBe(EXECUTION_STATUS.Terminated);
  });

  it('keeps namespaces apart and replaces a run on upsert', () => {
    const store = storeWith(3);
    store.upsert(run(7, 'other'));
    store.upsert({ ...run(1), workflowType: 'renamed' });
    expect(store.size('default')).toBe(3);
    expect(store.size()).toBe(4);
    expect(store.list('other', '').records.map((r) => r.workflowId)).toEqual(['wf-7']);
    expect(store.list('missing', '').records).toEqual([]);
    expect(store.list('default', "WorkflowType = 'renamed'").records.map((r) => r.runId)).toEqual([
      'run-00001',
    ]);
    expect(store.delete('default', 'run-00001')).toBe(true);
    expect(store.size('default')).toBe(2);
  });

  it('uses the default page size when the request gives none', () => {
    const store = storeWith(DEFAULT_PAGE_SIZE + 1);
    const page = store.list('default', '', 0);
    expect(page.records).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(page.nextPageToken).not.toBeNull();
  });

  it('rejects tokens it did not issue, and tokens of another sort order', () => {
    const store = storeWith(10);
    expect(() => store.list('default', '', 5, Buffer.from('garbage'))).toThrow(InvalidPageTokenError);
    expect(() => store.list('default', '', 5, Buffer.from('{"v":1,"k":{}}'))).toThrow(
      /invalid nextPageToken: it does not belong to this query/,
    );
    const token = store.list('default', '', 5).nextPageToken;
    expect(() => store.list('default', 'ORDER BY Amount, StartTime', 5, token)).toThrow(
      InvalidPageTokenError,
    );
    expect(store.list('default', '', 5, Buffer.alloc(0)).records).toHaveLength(5);
  });

  it('rejects invalid queries and GROUP BY', () => {
    const store = storeWith(1);
    expect(() => store.list('default', "Nope = 'x'")).toThrow(InvalidQueryError);
    expect(() => store.list('default', 'GROUP BY ExecutionStatus')).toThrow(
      /GROUP BY is only supported by CountWorkflowExecutions/,
    );
  });

  it('lists and counts 10,000 runs', () => {
    const store = storeWith(10_000);
    const { runIds, pages } = listAll(store, "ExecutionStatus = 'Running' AND Customer != 'c0'", 1000);
    const expectedCount = Array.from({ length: 10_000 }, (_, i) => run(i)).filter(
      (r) => r.status === EXECUTION_STATUS.Running && r.searchAttributes.Customer !== 'c0',
    ).length;
    expect(runIds).toHaveLength(expectedCount);
    expect(new Set(runIds).size).toBe(expectedCount);
    expect(pages).toBe(Math.ceil(expectedCount / 1000));
    expect(store.count('default', "ExecutionStatus = 'Running' AND Customer != 'c0'").count).toBe(
      expectedCount,
    );
  });
});

describe('VisibilityStore.count', () => {
  it('counts matching runs', () => {
    const store = storeWith(9);
    expect(store.count('default', '')).toEqual({ count: 9 });
    expect(store.count('default', "WorkflowType = 'odd'")).toEqual({ count: 4 });
    expect(store.count('default', 'Amount >= 7')).toEqual({ count: 2 });
    expect(store.count('nowhere', '')).toEqual({ count: 0 });
  });

  it('groups by ExecutionStatus', () => {
    const store = storeWith(10);
    // Statuses cycle Running, Completed, Failed: indexes 0..9 give 4 Running, 3 Completed, 3 Failed.
    expect(store.count('default', 'GROUP BY ExecutionStatus')).toEqual({
      count: 10,
      groups: [
        { groupValues: ['Running'], count: 4 },
        { groupValues: ['Completed'], count: 3 },
        { groupValues: ['Failed'], count: 3 },
      ],
    });
    expect(store.count('default', "WorkflowType = 'even' GROUP BY ExecutionStatus").groups).toEqual([
      { groupValues: ['Running'], count: 2 },
      { groupValues: ['Completed'], count: 1 },
      { groupValues: ['Failed'], count: 2 },
    ]);
  });

  it('gives group values the registry encodes into the payloads the SDK client decodes', () => {
    const store = storeWith(2);
    const groups = store.count('default', 'GROUP BY ExecutionStatus').groups ?? [];
    const decoded = groups.map((g) =>
      g.groupValues.map((v) =>
        searchAttributePayloadConverter.fromPayload(registry.encodeValue('ExecutionStatus', v)),
      ),
    );
    expect(decoded).toEqual([[['Running']], [['Completed']]]);
  });

  it('rejects ORDER BY', () => {
    expect(() => storeWith(1).count('default', 'ORDER BY StartTime')).toThrow(/ORDER BY is not supported/);
  });
});
