import { DefaultLogger, Runtime } from '@temporalio/worker';

let runtimeInstalled = false;

/** A quiet SDK runtime, installed once per process (Runtime.install throws the second time). */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // ERROR: the provisioning failures the tests provoke would otherwise log a warning per attempt.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}
