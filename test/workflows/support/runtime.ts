import { DefaultLogger, Runtime } from '@temporalio/worker';

let runtimeInstalled = false;

/**
 * A quiet SDK runtime, installed once per process (Runtime.install throws the second time); with
 * `metricsBindAddress` (host:port) it serves the runtime's metrics there, as the product's does.
 */
export function installQuietRuntime(options: { metricsBindAddress?: string } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // ERROR: the provisioning failures the tests provoke would otherwise log a warning per attempt.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    ...(options.metricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsBindAddress } } } }
      : {}),
  });
}
