import { InvalidQueryError, VisibilityError } from './errors';
import { parseVisibilityQuery } from './query';
import { EXECUTION_STATUS, type VisibilityRecord } from './record';
import { SearchAttributeRegistry, type SearchAttributeValues } from './searchAttributes';

const registry = SearchAttributeRegistry.fromCliFlags([
  'CustomText=Text',
  'CustomKeyword=Keyword',
  'CustomInt=Int',
  'CustomDouble=Double',
  'CustomBool=Bool',
  'CustomDatetime=Datetime',
  'CustomKeywordList=KeywordList',
]);

function record(
  workflowId: string,
  fields: Partial<VisibilityRecord> & { minute: number },
  searchAttributes: SearchAttributeValues = {},
): VisibilityRecord {
  const startTime = new Date(Date.UTC(2024, 0, 1, 12, fields.minute));
  return {
    namespace: 'default',
    workflowId,
    runId: `run-${workflowId}`,
    workflowType: 'orderWorkflow',
    status: EXECUTION_STATUS.Running,
    startTime,
    executionTime: startTime,
    taskQueue: 'orders',
    ...fields,
    searchAttributes,
  };
}

const at = (minute: number, second = 0): Date => new Date(Date.UTC(2024, 0, 1, 12, minute, second));

// a: running; b: completed after 90 s; c: failed after 10 min, other type; d: continued-as-new.
const records: VisibilityRecord[] = [
  record(
    'order-a',
    { minute: 0 },
    {
      CustomText: 'Express delivery to Berlin',
      CustomKeyword: 'alpha',
      CustomInt: 1,
      CustomDouble: 0.5,
      CustomBool: true,
      CustomDatetime: new Date('2024-02-01T00:00:00Z'),
      CustomKeywordList: ['red', 'green'],
    },
  ),
  record(
    'order-b',
    { minute: 5, status: EXECUTION_STATUS.Completed, closeTime: at(6, 30), historyLength: 11 },
    {
      CustomText: 'standard delivery',
      CustomKeyword: 'beta',
      CustomInt: 20,
      CustomDouble: 2.25,
      CustomBool: false,
      CustomDatetime: new Date('2024-03-01T00:00:00Z'),
      CustomKeywordList: ['blue'],
    },
  ),
  record(
    "o'hara",
    {
      minute: 10,
      status: EXECUTION_STATUS.Failed,
      closeTime: at(20),
      workflowType: 'refundWorkflow',
      taskQueue: 'refunds',
      historyLength: 30,
    },
    { CustomKeyword: 'gamma', CustomInt: 300 },
  ),
  record('order-d', {
    minute: 15,
    status: EXECUTION_STATUS.ContinuedAsNew,
    closeTime: at(16),
    historyLength: 5,
  }),
];

function ids(query: string): string[] {
  const q = parseVisibilityQuery(query, registry);
  return records
    .filter((r) => q.matches(r))
    .map((r) => r.workflowId)
    .sort();
}

function queryError(query: string): InvalidQueryError {
  try {
    parseVisibilityQuery(query, registry);
  } catch (err) {
    if (err instanceof InvalidQueryError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('parseVisibilityQuery filters', () => {
  it('matches everything for an empty or blank query', () => {
    expect(ids('')).toEqual(["o'hara", 'order-a', 'order-b', 'order-d']);
    expect(ids('   ')).toHaveLength(4);
    expect(parseVisibilityQuery(undefined, registry).matches(records[0] as VisibilityRecord)).toBe(true);
  });

  it('compares keywords with every comparison operator', () => {
    expect(ids("WorkflowId = 'order-a'")).toEqual(['order-a']);
    expect(ids("WorkflowId != 'order-a'")).toEqual(["o'hara", 'order-b', 'order-d']);
    expect(ids("WorkflowId <> 'order-a'")).toEqual(["o'hara", 'order-b', 'order-d']);
    expect(ids("CustomKeyword > 'alpha'")).toEqual(["o'hara", 'order-b']);
    expect(ids("CustomKeyword >= 'beta'")).toEqual(["o'hara", 'order-b']);
    expect(ids("CustomKeyword < 'beta'")).toEqual(['order-a']);
    expect(ids("CustomKeyword <= 'beta'")).toEqual(['order-a', 'order-b']);
    expect(ids("WorkflowType = 'refundWorkflow'")).toEqual(["o'hara"]);
    expect(ids("TaskQueue = 'orders'")).toEqual(['order-a', 'order-b', 'order-d']);
    expect(ids("RunId = 'run-order-b'")).toEqual(['order-b']);
  });

  it('supports IN, NOT IN, BETWEEN, NOT BETWEEN and STARTS_WITH', () => {
    expect(ids("WorkflowId IN ('order-a', 'order-d', 'nope')")).toEqual(['order-a', 'order-d']);
    expect(ids("WorkflowId NOT IN ('order-a', 'order-d')")).toEqual(["o'hara", 'order-b']);
    expect(ids("CustomKeyword NOT IN ('alpha')")).toEqual(["o'hara", 'order-b']);
    expect(ids('CustomInt BETWEEN 1 AND 20')).toEqual(['order-a', 'order-b']);
    expect(ids('CustomInt NOT BETWEEN 1 AND 20')).toEqual(["o'hara"]);
    expect(ids("WorkflowId BETWEEN 'order-' AND 'order-~'")).toEqual(['order-a', 'order-b', 'order-d']);
    expect(ids("WorkflowId STARTS_WITH 'order-'")).toEqual(['order-a', 'order-b', 'order-d']);
    expect(ids("WorkflowType starts_with 'refund'")).toEqual(["o'hara"]);
  });

  it('supports IS NULL and IS NOT NULL, for builtin and custom attributes', () => {
    expect(ids('CloseTime IS NULL')).toEqual(['order-a']);
    expect(ids('CloseTime is not null')).toEqual(["o'hara", 'order-b', 'order-d']);
    expect(ids('CustomBool IS NULL')).toEqual(["o'hara", 'order-d']);
    expect(ids('HistoryLength IS NOT NULL')).toEqual(["o'hara", 'order-b', 'order-d']);
  });

  it('treats a comparison with an attribute the run lacks as false (SQL semantics)', () => {
    expect(ids("CustomKeyword != 'alpha'")).toEqual(["o'hara", 'order-b']);
    expect(ids('CustomInt != 1')).toEqual(["o'hara", 'order-b']);
    expect(ids("CustomKeywordList != 'red'")).toEqual(['order-b']);
  });

  it('gives AND precedence over OR, and parentheses override it', () => {
    const q = "WorkflowId = 'order-a' OR WorkflowId = 'order-b' AND ExecutionStatus = 'Running'";
    expect(ids(q)).toEqual(['order-a']);
    expect(
      ids("(WorkflowId = 'order-a' OR WorkflowId = 'order-b') AND ExecutionStatus = 'Completed'"),
    ).toEqual(['order-b']);
    expect(ids("((WorkflowId = 'order-d')) or (CustomInt > 100 and TaskQueue = 'refunds')")).toEqual([
      "o'hara",
      'order-d',
    ]);
    expect(
      ids("WorkflowType = 'orderWorkflow' and ExecutionStatus != 'Running' and CustomInt >= 20"),
    ).toEqual(['order-b']);
  });

  it('accepts single quotes, double quotes, escapes, backticked names and any keyword case', () => {
    expect(ids('WorkflowId = "order-b"')).toEqual(['order-b']);
    expect(ids("WorkflowId = 'o''hara'")).toEqual(["o'hara"]);
    expect(ids("WorkflowId = 'o\\'hara'")).toEqual(["o'hara"]);
    expect(ids('WorkflowId = "o\'hara"')).toEqual(["o'hara"]);
    expect(ids("`WorkflowId` = 'order-a'")).toEqual(['order-a']);
    expect(ids("WorkflowId in ('order-a') Or `CustomKeyword` = 'beta'")).toEqual(['order-a', 'order-b']);
    expect(ids("WorkflowId='order-a'AND(CustomInt=1)")).toEqual(['order-a']);
  });

  it('compares datetimes as instants, whatever the offset or precision of the literal', () => {
    expect(ids("StartTime > '2024-01-01T12:05:00Z'")).toEqual(["o'hara", 'order-d']);
    expect(ids("StartTime >= '2024-01-01T12:05:00Z'")).toEqual(["o'hara", 'order-b', 'order-d']);
    // 04:05-08:00 is 12:05Z.
    expect(ids("StartTime = '2024-01-01T04:05:00-08:00'")).toEqual(['order-b']);
    expect(ids("StartTime < '2024-01-01T12:05:00.000000001Z'")).toEqual(['order-a', 'order-b']);
    expect(ids("StartTime > '2024-01-01T12:05:00.000000001Z'")).toEqual(["o'hara", 'order-d']);
    expect(ids("StartTime BETWEEN '2024-01-01T12:01:00Z' AND '2024-01-01T12:10:00+00:00'")).toEqual([
      "o'hara",
      'order-b',
    ]);
    expect(ids("CloseTime < '2024-01-01T12:10:00Z' OR StartTime < '2024-01-01T12:01:00Z'")).toEqual([
      'order-a',
      'order-b',
    ]);
    const nanos = BigInt(at(15).getTime()) * 1_000_000n;
    expect(ids(`ExecutionTime = ${nanos}`)).toEqual(['order-d']);
    expect(ids(`ExecutionTime < ${nanos + 1n}`)).toEqual(["o'hara", 'order-a', 'order-b', 'order-d']);
    expect(ids(`ExecutionTime > ${nanos - 1n}`)).toEqual(['order-d']);
    expect(ids("CustomDatetime > '2024-02-15T00:00:00Z'")).toEqual(['order-b']);
    expect(ids("CustomDatetime IN ('2024-02-01T00:00:00Z', '2024-01-01T00:00:00Z')")).toEqual(['order-a']);
  });

  it('matches ExecutionStatus by name over the numeric status', () => {
    expect(ids("ExecutionStatus = 'Running'")).toEqual(['order-a']);
    expect(ids("ExecutionStatus = 'Completed'")).toEqual(['order-b']);
    expect(ids("ExecutionStatus = 'Failed'")).toEqual(["o'hara"]);
    expect(ids("ExecutionStatus = 'ContinuedAsNew'")).toEqual(['order-d']);
    expect(
      ids("ExecutionStatus = 'Canceled' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut'"),
    ).toEqual([]);
    expect(ids("ExecutionStatus != 'Running'")).toEqual(["o'hara", 'order-b', 'order-d']);
    expect(ids("ExecutionStatus IN ('Completed', 'Failed')")).toEqual(["o'hara", 'order-b']);
    expect(ids("ExecutionStatus NOT IN ('Completed', 'Failed')")).toEqual(['order-a', 'order-d']);
    expect(ids('ExecutionStatus = "running"')).toEqual(['order-a']);
    expect(ids("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW'")).toEqual(['order-d']);
  });

  it('reads KeywordList "=" as "contains"', () => {
    expect(ids("CustomKeywordList = 'green'")).toEqual(['order-a']);
    expect(ids("CustomKeywordList = 'blue'")).toEqual(['order-b']);
    expect(ids("CustomKeywordList IN ('blue', 'red')")).toEqual(['order-a', 'order-b']);
    expect(ids("CustomKeywordList NOT IN ('blue')")).toEqual(['order-a']);
  });

  it('evaluates custom attributes of every type', () => {
    expect(ids("CustomText = 'berlin'")).toEqual(['order-a']);
    expect(ids("CustomText = 'delivery'")).toEqual(['order-a', 'order-b']);
    expect(ids("CustomText = 'deliv'")).toEqual([]);
    expect(ids("CustomText != 'express'")).toEqual(['order-b']);
    expect(ids('CustomInt > 10')).toEqual(["o'hara", 'order-b']);
    expect(ids("CustomInt = '20'")).toEqual(['order-b']);
    expect(ids('CustomDouble >= 1.5')).toEqual(['order-b']);
    expect(ids('CustomDouble < 1')).toEqual(['order-a']);
    expect(ids('CustomBool = true')).toEqual(['order-a']);
    expect(ids("CustomBool = 'false'")).toEqual(['order-b']);
    expect(ids('CustomBool != TRUE')).toEqual(['order-b']);
  });

  it('derives ExecutionDuration for closed runs and accepts durations in its literals', () => {
    expect(ids('ExecutionDuration = 90000000000')).toEqual(['order-b']);
    expect(ids("ExecutionDuration > '1m'")).toEqual(["o'hara", 'order-b']);
    expect(ids("ExecutionDuration <= '1m30s'")).toEqual(['order-b', 'order-d']);
    expect(ids("ExecutionDuration >= '00:10:00'")).toEqual(["o'hara"]);
    expect(ids('HistoryLength > 10')).toEqual(["o'hara", 'order-b']);
  });
});

describe('parseVisibilityQuery errors', () => {
  it('names unknown attributes', () => {
    const err = queryError("Customer = 'x'");
    expect(err).toBeInstanceOf(VisibilityError);
    expect(err.message).toBe('invalid visibility query: unknown search attribute "Customer" at position 0');
    expect(err.position).toBe(0);
    expect(err.query).toBe("Customer = 'x'");
    expect(queryError("WorkflowId = 'a' AND workflowid = 'b'").message).toMatch(
      /unknown search attribute "workflowid"/,
    );
    expect(queryError('ORDER BY Nope').message).toMatch(/unknown search attribute "Nope"/);
  });

  it('reports syntax errors with what was found and where', () => {
    expect(queryError("WorkflowId = 'abc").message).toBe(
      'invalid visibility query: unterminated string at position 13',
    );
    expect(queryError("(WorkflowId = 'a'").message).toMatch(
      /expected "\)", found end of query at position 17/,
    );
    expect(queryError("WorkflowId = 'a')").message).toMatch(/unexpected "\)"/);
    expect(queryError("WorkflowId 'a'").message).toMatch(
      /expected an operator after "WorkflowId", found string "a"/,
    );
    expect(queryError('WorkflowId =').message).toMatch(/expected a value, found end of query/);
    expect(queryError("WorkflowId = 'a' AND").message).toMatch(
      /expected a search attribute name, found end of query/,
    );
    expect(queryError("WorkflowId = 'a' OR OR WorkflowId = 'b'").message).toMatch(/found "OR"/);
    expect(queryError("WorkflowId IN 'a'").message).toMatch(/expected "\(", found string "a"/);
    expect(queryError('CustomInt BETWEEN 1 OR 2').message).toMatch(/expected AND, found "OR"/);
    expect(queryError("WorkflowId = 'a' WorkflowId = 'b'").message).toMatch(/unexpected "WorkflowId"/);
    expect(queryError("WorkflowId = 'a' ; drop").message).toMatch(/unexpected character ";"/);
    expect(queryError("NOT WorkflowId = 'a'").message).toMatch(
      /NOT is only supported as NOT IN, NOT BETWEEN/,
    );
    expect(queryError('CloseTime IS 5').message).toMatch(/expected NULL, found number 5/);
  });

  it('rejects literals of the wrong type for the attribute', () => {
    expect(queryError('WorkflowId = 5').message).toBe(
      'invalid visibility query: Keyword attribute "WorkflowId" cannot be compared with 5; expected a quoted string at position 13',
    );
    expect(queryError("CustomInt = 'many'").message).toMatch(
      /Int attribute "CustomInt" cannot be compared with "many"; expected an integer/,
    );
    expect(queryError('CustomInt = 1.5').message).toMatch(/expected an integer/);
    expect(queryError("CustomDouble > 'x'").message).toMatch(/expected a number/);
    expect(queryError("CustomBool = 'yes'").message).toMatch(/expected true or false/);
    expect(queryError("StartTime > 'yesterday'").message).toMatch(
      /Datetime attribute "StartTime" cannot be compared with "yesterday"; expected an RFC 3339 time/,
    );
    expect(queryError("StartTime > '2024-01-01'").message).toMatch(/expected an RFC 3339 time/);
    expect(queryError("ExecutionStatus = 'Done'").message).toMatch(
      /cannot be compared with "Done"; expected an execution status: 'Running'/,
    );
    expect(queryError("ExecutionDuration > 'soon'").message).toMatch(/expected nanoseconds, a duration/);
  });

  it('rejects operators the attribute type does not support', () => {
    expect(queryError("ExecutionStatus > 'Running'").message).toMatch(
      /operator > is not supported for ExecutionStatus/,
    );
    expect(queryError("CustomText > 'a'").message).toMatch(
      /operator > is not supported for Text attribute "CustomText"/,
    );
    expect(queryError("CustomInt STARTS_WITH '1'").message).toMatch(
      /operator STARTS_WITH is not supported for Int attribute/,
    );
    expect(queryError("CustomKeywordList BETWEEN 'a' AND 'b'").message).toMatch(
      /operator BETWEEN is not supported/,
    );
    expect(queryError('CustomBool IN (true)').message).toMatch(/operator IN is not supported for Bool/);
  });
});

describe('parseVisibilityQuery ORDER BY and GROUP BY', () => {
  const sorted = (query: string): string[] => {
    const q = parseVisibilityQuery(query, registry);
    return records
      .filter((r) => q.matches(r))
      .sort((a, b) => q.compare(a, b))
      .map((r) => r.workflowId);
  };

  it('orders by StartTime DESC by default, then RunId', () => {
    expect(parseVisibilityQuery('', registry).orderBy).toEqual([]);
    expect(sorted('')).toEqual(['order-d', "o'hara", 'order-b', 'order-a']);
    const twin = { ...(records[0] as VisibilityRecord), runId: 'run-0', workflowId: 'twin' };
    const q = parseVisibilityQuery('', registry);
    expect(q.compare(twin, records[0] as VisibilityRecord)).toBeLessThan(0);
  });

  it('orders by the given attributes and directions, unset values last ascending', () => {
    expect(parseVisibilityQuery("WorkflowId != 'x' ORDER BY StartTime ASC", registry).orderBy).toEqual([
      { attribute: 'StartTime', direction: 'ASC' },
    ]);
    expect(sorted('ORDER BY StartTime asc')).toEqual(['order-a', 'order-b', "o'hara", 'order-d']);
    expect(sorted('order by CloseTime')).toEqual(['order-b', 'order-d', "o'hara", 'order-a']);
    expect(sorted('ORDER BY CloseTime DESC')).toEqual(['order-a', "o'hara", 'order-d', 'order-b']);
    expect(sorted("TaskQueue = 'orders' ORDER BY ExecutionStatus DESC, StartTime")).toEqual([
      'order-d',
      'order-b',
      'order-a',
    ]);
    expect(queryError('ORDER BY CustomText').message).toMatch(/cannot ORDER BY Text attribute "CustomText"/);
  });

  it('parses GROUP BY ExecutionStatus only', () => {
    expect(parseVisibilityQuery("WorkflowType = 'x' GROUP BY ExecutionStatus", registry).groupBy).toEqual([
      'ExecutionStatus',
    ]);
    expect(parseVisibilityQuery('group by ExecutionStatus', registry).groupBy).toEqual(['ExecutionStatus']);
    expect(queryError('GROUP BY WorkflowType').message).toMatch(
      /GROUP BY is only supported for ExecutionStatus/,
    );
    expect(queryError('GROUP BY ExecutionStatus ORDER BY StartTime').message).toMatch(
      /ORDER BY cannot be combined with GROUP BY/,
    );
  });
});
