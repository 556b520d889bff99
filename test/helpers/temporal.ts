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
  /**
   * Dynamic config by Temporal's keys, passed as `--dynamic-config-value KEY=VALUE` (Temporal's CLI
   * takes them; its Java test server, the official time-skipping form, does not).
   */
  dynamicConfig?: Record<string, number>;
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
  const extraArgs = Object.entries(opts.dynamicConfig ?? {}).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
  if (opts.form === 'local') {
    return TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace: opts.namespace,
        searchAttributes: opts.searchAttributes,
        extraArgs,
      },
      client,
    });
  }
  if (extraArgs.length > 0 && !executable)
    throw new Error(
      "dynamicConfig needs the 'local' form on Temporal's servers (the Java test server has none)",
    );
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable, extraArgs }, client });
}
