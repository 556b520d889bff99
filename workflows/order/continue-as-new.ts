import { workflowInfo } from '@temporalio/workflow';

/**
 * True when the run should hand its state to a new run (continue-as-new) to keep its history
 * bounded: the server suggests it, or the history reached the input's own limit (tests use a small one).
 */
export function historyFull(limit: number | undefined): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
}
