import type { Attrs } from '../history/events';

/** temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage. */
export const UpdateStage = { Unspecified: 0, Admitted: 1, Accepted: 2, Completed: 3 } as const;

interface Waiter {
  stage: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * One workflow update: admitted by the frontend, delivered in a workflow task as a protocol
 * message, then accepted (event), completed (event with the outcome) or rejected (no event).
 */
export class WorkflowUpdate {
  stage: number = UpdateStage.Admitted;
  outcome?: Attrs;
  acceptedEventId = 0;
  error?: Error;
  private waiters: Waiter[] = [];

  constructor(
    readonly id: string,
    readonly request: Attrs,
  ) {}

  advance(stage: number, outcome?: Attrs): void {
    if (stage <= this.stage) return;
    this.stage = stage;
    if (outcome) this.outcome = outcome;
    this.waiters = this.waiters.filter((w) => {
      if (w.stage > stage) return true;
      w.resolve();
      return false;
    });
  }

  fail(err: Error): void {
    this.error = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** Resolves once the update reached `stage` (or completed), or when `signal` aborts. */
  waitFor(stage: number, signal: AbortSignal): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.stage >= stage) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        stage,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}
