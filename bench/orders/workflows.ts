// The floor of the CPU figure: a workflow with no logic of its own that costs the SDK the same
// workflow tasks as a checkout order, with the same kinds of task.
//
// Why this shape: a checkout order's workflow tasks come from its start, the client's `pay`
// signal and one completion per activity (projection, provisioning, email; parallel completions
// may share a task). So the honest equivalent is started by the client, woken by one signal, then
// runs no-op activities one after the other: 2 + n workflow tasks and n activity tasks, where
// n = (the checkout's workflow tasks) - 2. Empty timers would also give the task count, but they
// leave out the activity tasks the order genuinely needs; signals alone would make the client,
// not the SDK, drive each task. The only difference left to the order is what the product adds:
// its domain logic, the timer and search attributes, and the activities' real work (Prisma,
// panel, email).
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { floorActivities } from './floor-activities';

export const goSignal = defineSignal('go');

const { nothing } = proxyActivities<typeof floorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorOrder(activities: number): Promise<void> {
  let go = false;
  setHandler(goSignal, () => {
    go = true;
  });
  await condition(() => go);
  for (let i = 0; i < activities; i++) await nothing();
}
