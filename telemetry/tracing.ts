// OpenTelemetry tracing of a process: on when the standard OTLP variables name an endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), spans then leave over
// OTLP/HTTP in batches; off otherwise (no provider registered, nothing exported, the API's no-op
// tracer). OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS and the other
// standard variables are read by the exporter and the resource detector themselves.
//
// The spans of one order: the API's request span (http.ts), the client's StartWorkflow or
// SignalWorkflow span (temporal.ts), the workflow's spans (made in the workflow sandbox and
// handed to this process through the interceptors' sink) and each activity's span.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, detectResourcesSync, envDetectorSync } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface Tracing {
  readonly enabled: boolean;
  readonly resource: Resource;
  /** Where the workflow spans, handed over by the sink, are sent (a no-op when tracing is off). */
  readonly spanProcessor: SpanProcessor;
  /** Sends what is still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

const disabled: Tracing = {
  enabled: false,
  resource: Resource.empty(),
  spanProcessor: new NoopSpanProcessor(),
  shutdown: async () => undefined,
};

let current: Tracing = disabled;

/** The process's tracing, as startTracing set it up (disabled until then). */
export function currentTracing(): Tracing {
  return current;
}

/** Whether the environment asks for traces: an OTLP endpoint, and the SDK not switched off. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface TracingOptions {
  /** service.name unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /** Spans go to this exporter, one by one, whatever the environment says (tests). */
  exporter?: SpanExporter;
}

/**
 * Registers the process's tracer provider (context manager and W3C propagation included) when
 * traces are requested; once per process, before the Temporal client and workers are created.
 */
export function startTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) return (current = disabled);
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName }).merge(
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
    detectResourcesSync({ detectors: [envDetectorSync] }),
  );
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  current = {
    enabled: true,
    resource,
    spanProcessor,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      current = disabled;
    },
  };
  return current;
}
