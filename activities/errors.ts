// How activities report failures to the workflows. A retry repeats the activity with backoff;
// only errors a retry cannot fix (malformed requests, contradicting records) stop retries.
import { ApplicationFailure } from '@temporalio/common';

/** A request that will never succeed as sent: retrying it is pointless. */
export function badRequest(activity: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${activity}: ${message}`, 'BadActivityRequest');
}

/** Non-empty string fields of a request, checked before any side effect. */
export function requireStrings<T extends object>(
  activity: string,
  request: T,
  fields: readonly (keyof T)[],
): void {
  if (request === null || typeof request !== 'object')
    throw badRequest(activity, 'request must be an object');
  for (const field of fields) {
    const value = request[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw badRequest(activity, `${String(field)} must be a non-empty string`);
    }
  }
}
