import { DevServer, type DevServerOptions } from './server';

export { DevServer, type DevServerOptions } from './server';
export { DEFAULT_DYNAMIC_CONFIG, type DynamicConfig } from './dynamicConfig';

export interface RunningDevServer {
  /** host:port to give the SDK's Connection / NativeConnection. */
  address: string;
  port: number;
  /** The HTTP API's port, when `httpPort` was given. */
  httpPort?: number;
  server: DevServer;
  close(): Promise<void>;
}

/**
 * Starts the in-memory Temporal-compatible server in this process.
 * `timeSkipping: false` only documents intent: time always flows in real time until a TestService
 * caller unlocks skipping (the time-skipping client does that around `result()` and `sleep()`).
 */
export async function startDevServer(
  options: DevServerOptions & { timeSkipping?: boolean } = {},
): Promise<RunningDevServer> {
  const server = new DevServer(options);
  const { port, address, httpPort } = await server.listen();
  return { address, port, httpPort, server, close: () => server.close() };
}
