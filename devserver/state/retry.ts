import { durationMs, type Duration } from '../history/events';

/** temporal.api.common.v1.RetryPolicy as plain data (durations in the proto shape). */
export interface RetryPolicy {
  initialInterval?: Duration | null;
  backoffCoefficient?: number | null;
  maximumInterval?: Duration | null;
  maximumAttempts?: number | null;
  nonRetryableErrorTypes?: string[] | null;
}

export const RetryState = {
  InProgress: 1,
  NonRetryableFailure: 2,
  Timeout: 3,
  MaximumAttemptsReached: 4,
  RetryPolicyNotSet: 5,
  CancelRequested: 7,
} as const;

/** The server's defaults for an activity retry policy: 1 s, x2, capped at 100x, unlimited attempts. */
export type FullRetryPolicy = { [K in keyof RetryPolicy]-?: NonNullable<RetryPolicy[K]> };

export function withDefaults(policy: RetryPolicy | null | undefined): FullRetryPolicy {
  const initial = durationMs(policy?.initialInterval) || 1000;
  const coefficient = policy?.backoffCoefficient || 2;
  const maximum = durationMs(policy?.maximumInterval) || 100 * initial;
  return {
    initialInterval: msDuration(initial),
    backoffCoefficient: coefficient,
    maximumInterval: msDuration(maximum),
    maximumAttempts: policy?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: policy?.nonRetryableErrorTypes ?? [],
  };
}

function msDuration(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export interface RetryDecision {
  retry: boolean;
  /** Delay before the next attempt, when retrying. */
  delayMs: number;
  /** Why not, when not retrying. */
  state: number;
}

/**
 * Decides whether attempt `attempt` (1-based), which just failed, is retried and after how long:
 * backoff = initial * coefficient^(attempt-1), capped at maximumInterval; never past the
 * schedule-to-close deadline (`expiresAt`, virtual ms, 0 = none).
 */
export function nextRetry(
  policy: FullRetryPolicy,
  attempt: number,
  failure: { type?: string | null; nonRetryable?: boolean; timeout?: boolean },
  now: number,
  expiresAt: number,
): RetryDecision {
  if (failure.nonRetryable || (failure.type && policy.nonRetryableErrorTypes.includes(failure.type))) {
    return { retry: false, delayMs: 0, state: RetryState.NonRetryableFailure };
  }
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
    return { retry: false, delayMs: 0, state: RetryState.MaximumAttemptsReached };
  }
  const initial = durationMs(policy.initialInterval);
  const maximum = durationMs(policy.maximumInterval);
  const delayMs = Math.min(maximum, initial * Math.pow(policy.backoffCoefficient, attempt - 1));
  if (expiresAt > 0 && now + delayMs >= expiresAt)
    return { retry: false, delayMs: 0, state: RetryState.Timeout };
  return { retry: true, delayMs, state: RetryState.InProgress };
}
