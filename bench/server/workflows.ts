// Workflows of the server benchmark: the smallest shapes that exercise workflow tasks, activity
// tasks and timers.
import { proxyActivities, proxySinks, sleep, type Sinks } from '@temporalio/workflow';

export interface BenchSinks extends Sinks {
  bench: { waiting(): void };
}

const { step } = proxyActivities<{ step(n: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });
const { bench } = proxySinks<BenchSinks>();

export async function empty(): Promise<void> {}

export async function threeActivities(): Promise<number> {
  let n = 0;
  for (let i = 0; i < 3; i++) n = await step(n);
  return n;
}

/** Starts a day-long timer, tells the benchmark it is waiting, and waits. */
export async function waitOnTimer(): Promise<void> {
  const timer = sleep('1 day');
  bench.waiting();
  await timer;
}
