// What `npm start` has started, stopped in reverse order: the API first (no new requests), then
// the workers (running activities finish), the clients, the database and the Temporal server last.
import type { Logger } from 'pino';

export interface StopStep {
  name: string;
  stop: () => Promise<unknown> | unknown;
}

export class ShutdownStack {
  private readonly steps: StopStep[] = [];

  constructor(private readonly log: Logger) {}

  push(name: string, stop: StopStep['stop']): void {
    this.steps.push({ name, stop });
  }

  /** Runs every step, newest first; a failing step is logged and the rest still run. */
  async unwind(): Promise<boolean> {
    let clean = true;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.stop();
        this.log.debug({ step: step.name }, 'stopped');
      } catch (error) {
        clean = false;
        this.log.warn({ err: error, step: step.name }, 'stop step failed');
      }
    }
    return clean;
  }
}
