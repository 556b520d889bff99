// The Temporal side of `npm start`: the embedded Temporal-compatible server on TEMPORAL_PORT (and
// its HTTP API on TEMPORAL_HTTP_PORT) with the order search attributes, or, when TEMPORAL_ADDRESS is set, a real Temporal reached with the
// worker's connection settings (TLS, API key). The API's client uses the same settings.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startDevServer } from '../devserver';
import { clientInterceptors } from '../telemetry/temporal';
import { searchAttributeNames } from '../workflows/contract';
import { connectionOptions, oneLine } from '../worker/connection';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** Every custom attribute the workflows upsert is a Keyword. */
export const ORDER_SEARCH_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  searchAttributeNames.map((name) => [name, 'Keyword']),
);

export interface TemporalEndpoint {
  /** host:port the worker and the API connect to. */
  address: string;
  /** true when this process runs the server (time skipping is available). */
  embedded: boolean;
  /** The embedded server's HTTP API, e.g. http://127.0.0.1:7243 (embedded only). */
  httpUrl?: string;
  close(): Promise<void>;
}

/** Host the embedded server listens on: this machine only. */
export const EMBEDDED_TEMPORAL_HOST = '127.0.0.1';

/** Where the embedded server keeps its state, or undefined when it runs in memory. */
export function embeddedTemporalFile(config: Config): string | undefined {
  return config.TEMPORAL_PERSIST ? path.join(config.DATA_DIR, 'temporal.db') : undefined;
}

/**
 * `onFailure`: the state file cannot be written any more (disk full, I/O error); the server then
 * refuses every change, and the product must stop rather than run on without durability.
 */
export async function startEmbeddedTemporal(
  config: Config,
  log: Logger,
  onFailure: (error: Error) => void = () => undefined,
): Promise<TemporalEndpoint> {
  const dbFilename = embeddedTemporalFile(config);
  if (dbFilename) mkdirSync(path.dirname(dbFilename), { recursive: true });
  const running = await startDevServer({
    port: config.TEMPORAL_PORT,
    httpPort: config.TEMPORAL_HTTP_PORT,
    host: EMBEDDED_TEMPORAL_HOST,
    namespace: config.TEMPORAL_NAMESPACE,
    searchAttributes: ORDER_SEARCH_ATTRIBUTES,
    dbFilename,
    onPersistenceFailure: onFailure,
    log: (line) => log.warn({ component: 'temporal-devserver' }, line),
  });
  return {
    address: running.address,
    embedded: true,
    httpUrl: `http://${EMBEDDED_TEMPORAL_HOST}:${running.httpPort}`,
    close: () => running.close(),
  };
}

export class TemporalClientError extends Error {}

/** The API's client connection (and the one used to check search attributes). */
export async function connectClient(config: Config): Promise<Client> {
  const native = connectionOptions(config);
  try {
    const connection = await Connection.connect({
      address: native.address,
      tls: native.tls,
      apiKey: typeof native.apiKey === 'string' ? native.apiKey : undefined,
    });
    // The span of each start, signal and query, its context passed on to the workflow.
    return new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      interceptors: { workflow: clientInterceptors() },
    });
  } catch (error) {
    throw new TemporalClientError(
      `cannot connect to Temporal at ${native.address} (namespace ${config.TEMPORAL_NAMESPACE}): ${oneLine((error as Error).message)}`,
    );
  }
}

/**
 * On a real Temporal the attributes are the operator's job (the compose stack registers them);
 * a missing one is registered when the server allows it (a local `temporal server start-dev`)
 * and otherwise reported, since workflows fail to upsert an unknown attribute.
 */
export async function ensureSearchAttributes(client: Client, namespace: string, log: Logger): Promise<void> {
  const operator = client.connection.operatorService;
  try {
    const listed = await operator.listSearchAttributes({ namespace });
    const missing = searchAttributeNames.filter((name) => !(name in (listed.customAttributes ?? {})));
    if (missing.length === 0) return;
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
    log.info({ registered: missing, namespace }, 'registered search attributes');
  } catch (error) {
    log.warn(
      { err: error, namespace, required: searchAttributeNames },
      'could not check or register the search attributes: register them as Keyword attributes',
    );
  }
}
