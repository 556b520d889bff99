import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SearchAttributeType } from '@temporalio/common';
import { clientInterceptors } from '../../telemetry/temporal';

/** The project's own Temporal-compatible server (devserver/), launched by the official testing API. */
export const DEVSERVER_BIN = path.resolve(__dirname, '../../bin/temporal-devserver');

/** TEMPORAL_TEST_SERVER=official runs the same tests on Temporal's downloaded servers instead. */
export const useOfficialServer = (): boolean => process.env.TEMPORAL_TEST_SERVER === 'official';

export interface TestEnvOptions {
  /**
   * 'time-skipping' (default): createTimeSkipping, the test-server launch form (`bin PORT`).
   * 'local': createLocal, the `server start-dev` launch form; time flows in real time.
   */
  form?: 'time-skipping' | 'local';
  /** Custom search attributes to register (local form: passed as --search-attribute flags). */
  searchAttributes?: { name: string; type: SearchAttributeType }[];
  namespace?: string;
}

/**
 * A TestWorkflowEnvironment on our server through the official API (`existing-path` executable).
 * Call `env.teardown()` in afterAll. One environment per test file keeps Runtime usage simple: the
 * SDK's Runtime is a per-process singleton that every environment shares.
 */
export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  // As the product's client (start/temporal.ts): a span per start, signal and query.
  const client = { interceptors: { workflow: clientInterceptors() } };
  const executable = useOfficialServer()
    ? undefined
    : { type: 'existing-path' as const, path: DEVSERVER_BIN };
  if (opts.form === 'local') {
    return TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace: opts.namespace,
        searchAttributes: opts.searchAttributes,
      },
      client,
    });
  }
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable }, client });
}
