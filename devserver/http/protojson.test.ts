/**
 * The JSON of Temporal's HTTP API as Go's protojson writes it (grpc-gateway's marshaler), for the
 * forms a curl user and the Temporal UI meet: well-known types, int64, enums, bytes, zero values.
 */
import { lookupType } from '../grpc/proto';
import {
  formatDuration,
  formatTimestamp,
  fromProtoJson,
  parseDuration,
  parseTimestamp,
  toProtoJson,
} from './protojson';
import { RouteTable } from './routes';
import { serviceMethods } from '../grpc/proto';

const roundTrip = (typeName: string, plain: object) => {
  const t = lookupType(typeName);
  return toProtoJson(t, t.decode(t.encode(t.fromObject(plain)).finish()));
};

test('timestamps and durations: RFC 3339 and seconds, with 0, 3, 6 or 9 fraction digits', () => {
  expect(formatTimestamp(0, 0)).toBe('1970-01-01T00:00:00Z');
  expect(formatTimestamp(1_764_700_000, 500_000_000)).toBe('2025-12-02T18:26:40.500Z');
  expect(formatTimestamp(1_764_700_000, 1_000)).toBe('2025-12-02T18:26:40.000001Z');
  expect(formatTimestamp(1_764_700_000, 7)).toBe('2025-12-02T18:26:40.000000007Z');
  expect(formatDuration(1, 500_000_000)).toBe('1.500s');
  expect(formatDuration(86_400, 0)).toBe('86400s');
  expect(formatDuration(-1, -500_000_000)).toBe('-1.500s');
  expect(parseTimestamp('2025-12-02T18:26:40.5Z', 'x')).toEqual({
    seconds: 1_764_700_000,
    nanos: 500_000_000,
  });
  expect(parseTimestamp('2025-12-02T20:26:40+02:00', 'x')).toEqual({ seconds: 1_764_700_000, nanos: 0 });
  expect(parseDuration('1.5s', 'x')).toEqual({ seconds: 1, nanos: 500_000_000 });
  expect(() => parseDuration('90', 'req.timeout')).toThrow(/req.timeout/);
  expect(() => parseTimestamp('yesterday', 'req.time')).toThrow(/req.time/);
});

test('a message out: int64 as strings, enum names, bytes in base64, zero values left out', () => {
  const json = roundTrip('temporal.api.history.v1.HistoryEvent', {
    eventId: 12,
    eventTime: { seconds: 1_764_700_000, nanos: 0 },
    eventType: 10, // EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    taskId: 0,
    activityTaskScheduledEventAttributes: {
      activityId: '1',
      activityType: { name: 'send' },
      input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') }] },
      startToCloseTimeout: { seconds: 30, nanos: 0 },
      workflowTaskCompletedEventId: 11,
      useWorkflowBuildId: false,
    },
  });
  expect(json).toEqual({
    eventId: '12',
    eventTime: '2025-12-02T18:26:40Z',
    eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
    activityTaskScheduledEventAttributes: {
      activityId: '1',
      activityType: { name: 'send' },
      input: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'Ingi' }] },
      startToCloseTimeout: '30s',
      workflowTaskCompletedEventId: '11',
    },
  });
});

test('a request in: names in either case, enum names or numbers, strict about unknown fields', () => {
  const t = lookupType('temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest');
  const decoded = (json: unknown) =>
    t.toObject(fromProtoJson(t, json), { longs: Number, enums: Number, defaults: false });
  expect(
    decoded({
      namespace: 'default',
      execution: { workflow_id: 'w', runId: 'r' },
      maximumPageSize: '5',
      history_event_filter_type: 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT',
    }),
  ).toEqual({
    namespace: 'default',
    execution: { workflowId: 'w', runId: 'r' },
    maximumPageSize: 5,
    historyEventFilterType: 2,
  });
  expect(decoded({ historyEventFilterType: 1 })).toEqual({ historyEventFilterType: 1 });
  expect(() => decoded({ namespace: 'default', bogus: 1 })).toThrow(/unknown field "bogus"/);
  expect(() => decoded({ historyEventFilterType: 'SOMETIMES' })).toThrow(/historyEventFilterType/);
  expect(() => decoded({ maximumPageSize: 'five' })).toThrow(/maximumPageSize/);
  expect(() => decoded({ execution: 'w' })).toThrow(/execution/);
});

test('the route table: every /api/v1 binding of WorkflowService and OperatorService', () => {
  const routes = new RouteTable(
    [
      'temporal.api.workflowservice.v1.WorkflowService',
      'temporal.api.operatorservice.v1.OperatorService',
    ].map((name) => ({ name, methods: serviceMethods(name) })),
  );
  const match = (verb: string, p: string) => {
    const m = routes.match(verb, p);
    return 'error' in m ? m.error : { method: m.route.method.name, params: m.params };
  };
  expect(match('GET', '/api/v1/namespaces/default/workflows')).toEqual({
    method: 'ListWorkflowExecutions',
    params: [['namespace', 'default']],
  });
  expect(match('GET', '/namespaces/default/workflows/order%2F1')).toEqual({
    method: 'DescribeWorkflowExecution',
    params: [
      ['namespace', 'default'],
      ['execution.workflow_id', 'order/1'],
    ],
  });
  expect(match('POST', '/api/v1/namespaces/default/workflows/w/query/status')).toMatchObject({
    method: 'QueryWorkflow',
    params: [
      ['namespace', 'default'],
      ['execution.workflow_id', 'w'],
      ['query.query_type', 'status'],
    ],
  });
  expect(match('GET', '/api/v1/namespaces/default/search-attributes')).toMatchObject({
    method: 'ListSearchAttributes',
  });
  expect(match('DELETE', '/api/v1/namespaces/default/workflows')).toBe('method-not-allowed');
  expect(match('GET', '/api/v1/elsewhere')).toBe('not-found');
  expect(match('GET', '/api/v1/namespaces/%E0%A4%A')).toBe('bad-path');
});
