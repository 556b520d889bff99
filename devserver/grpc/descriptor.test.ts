/**
 * The descriptor the launcher's bundle carries builds the same message types as the root
 * @temporalio/proto ships, and builds only what a lookup needs.
 */
import { createRequire } from 'node:module';
import { describeRoot, httpRules, LazyRoot, type ProtobufLight, type ProtoDescriptor } from './descriptor';

// The protobufjs copy @temporalio/proto uses, and the package's root built by it.
const fromProto = createRequire(require.resolve('@temporalio/proto'));
const pb = fromProto('protobufjs/light') as ProtobufLight;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const full = fromProto('./json-module') as any;
const SERVED = [
  'temporal.api.workflowservice.v1.WorkflowService',
  'temporal.api.testservice.v1.TestService',
  'temporal.api.operatorservice.v1.OperatorService',
  'grpc.health.v1.Health',
];

let descriptor: ProtoDescriptor;
beforeAll(() => {
  // Through JSON, as the bundle carries it.
  descriptor = JSON.parse(JSON.stringify(describeRoot(pb, full, 'test'))) as ProtoDescriptor;
});

test('lists every method of the served services with its message types', () => {
  for (const name of SERVED) {
    const service = full.lookupService(name);
    const methods = descriptor.services[name]!;
    expect(methods.map((m) => m.name)).toEqual(service.methodsArray.map((m: { name: string }) => m.name));
    for (const m of service.methodsArray) {
      m.resolve();
      expect(methods.find((x) => x.name === m.name)).toEqual({
        name: m.name,
        requestType: m.resolvedRequestType.fullName.slice(1),
        responseType: m.resolvedResponseType.fullName.slice(1),
        requestStream: !!m.requestStream,
        responseStream: !!m.responseStream,
        http: httpRules(m.parsedOptions),
      });
    }
  }
});

test('builds the same definitions as the full root for every request and response', () => {
  const lazy = new LazyRoot(pb, descriptor);
  for (const name of SERVED) {
    for (const m of descriptor.services[name]!) {
      for (const type of [m.requestType, m.responseType]) {
        expect(lazy.lookup(type)?.toJSON()).toEqual(full.lookupType(type).toJSON());
      }
    }
  }
});

test('encodes and decodes a nested message exactly as the full root', () => {
  const lazy = new LazyRoot(pb, descriptor);
  const name = 'temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse';
  const message = {
    taskToken: Buffer.from('token'),
    workflowExecution: { workflowId: 'wf', runId: 'run' },
    startedEventId: 3,
    attempt: 1,
    history: {
      events: [
        {
          eventId: 1,
          eventType: 1,
          eventTime: { seconds: 1_700_000_000, nanos: 5 },
          workflowExecutionStartedEventAttributes: {
            workflowType: { name: 'wf' },
            taskQueue: { name: 'q', kind: 1 },
            input: {
              payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') }],
            },
            workflowRunTimeout: { seconds: 60 },
          },
        },
        {
          eventId: 2,
          eventType: 5,
          workflowTaskScheduledEventAttributes: { startToCloseTimeout: { seconds: 10 } },
        },
      ],
    },
    queries: { q1: { queryType: 'status' } },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const lazyType = lazy.lookup(name) as any;
  const fullType = full.lookupType(name);
  const bytes = Buffer.from(lazyType.encode(lazyType.fromObject(message)).finish());
  expect(bytes).toEqual(Buffer.from(fullType.encode(fullType.fromObject(message)).finish()));
  const options = { longs: Number, enums: Number, bytes: Buffer, defaults: false, arrays: true };
  expect(lazyType.toObject(lazyType.decode(bytes), options)).toEqual(
    fullType.toObject(fullType.decode(bytes), options),
  );
});

test('builds only the declarations a lookup refers to', () => {
  const lazy = new LazyRoot(pb, descriptor);
  lazy.lookup('temporal.api.workflowservice.v1.GetSystemInfoResponse');
  const built = (lazy as unknown as { built: Set<string> }).built;
  expect(built.has('temporal.api.workflowservice.v1.GetSystemInfoResponse')).toBe(true);
  expect(built.has('temporal.api.history.v1.HistoryEvent')).toBe(false);
  expect(built.size).toBeLessThan(10);
  // A nested message is found through the declaration that holds it.
  expect(lazy.lookup('temporal.api.workflowservice.v1.GetSystemInfoResponse.Capabilities')?.fullName).toBe(
    '.temporal.api.workflowservice.v1.GetSystemInfoResponse.Capabilities',
  );
  expect(lazy.lookup('temporal.api.no.such.Message')).toBeNull();
});
