import type { CronExpressionParser } from 'cron-parser';
import { invalidArgument } from '../grpc/errors';
import type { Failure, Payloads } from '../grpc/messages';
import type { ContinuedAsNewAttributes } from './close';
import type { Execution } from './execution';
import { ContinueAsNewInitiator, sameWorkflowAgain } from './workflowRetry';

/**
 * Cron schedules (the `cronSchedule` start option), as Temporal's history service runs them: the
 * first run waits for the schedule's next time (`firstWorkflowTaskBackoff`), and each run that
 * closes (completed, or failed / timed out with no retry left) is followed by a new run at the
 * next time after its close, carrying its result (`lastCompletionResult`) or its failure. A
 * terminated or cancelled run ends the schedule. Times are in UTC (cron-parser parses them).
 */

let parser: typeof CronExpressionParser | undefined;

/** Loaded on first use: few servers see a cron workflow, and the parser (with luxon) costs tens of ms at start. */
function cronParser(): typeof CronExpressionParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return parser;
}

/** Milliseconds from `now` to the schedule's next time; INVALID_ARGUMENT for a bad expression. */
export function cronBackoffMs(schedule: string, now: number): number {
  let next: number;
  try {
    next = cronParser()
      .parse(schedule, { currentDate: new Date(now), tz: 'UTC' })
      .next()
      .getTime();
  } catch (err) {
    throw invalidArgument(`Invalid CronSchedule: ${(err as Error).message}`);
  }
  return Math.max(0, next - now);
}

export interface CronNext {
  newExecutionRunId?: string;
  start: () => void;
}

const NONE: CronNext = { start: () => undefined };

/** The next run of a cron workflow whose run is closing now (with its result or failure). */
export function nextCronRun(
  run: Execution,
  outcome: { result?: Payloads | null; failure?: Failure | null },
): CronNext {
  const s = run.state;
  if (!s.cronSchedule) return NONE;
  const newRunId = run.host.newRunId();
  const started = run.history.events(1, 1)[0]!.workflowExecutionStartedEventAttributes!;
  const attrs: ContinuedAsNewAttributes = {
    ...sameWorkflowAgain(run, newRunId, cronBackoffMs(s.cronSchedule, run.host.clock.now())),
    initiator: ContinueAsNewInitiator.CronSchedule,
    // The last successful result carries over a failed run (workflowInfo().lastResult).
    lastCompletionResult: outcome.result ?? started.lastCompletionResult ?? undefined,
    failure: outcome.failure ?? undefined,
    cronSchedule: s.cronSchedule,
  };
  return { newExecutionRunId: newRunId, start: () => run.host.continueAsNew(run, attrs, newRunId) };
}
