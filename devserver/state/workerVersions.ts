import { status } from '@grpc/grpc-js';
import { RpcError } from '../grpc/errors';
import type { Payload, RespondWorkflowTaskCompletedRequest, WorkflowServiceRequest } from '../grpc/messages';
import type { Execution } from './execution';
import { interned } from './interned';
import { upserted } from './mutableState';

/**
 * Which worker builds completed a run's workflow tasks, as Temporal's history service records
 * them at each completion: the binary checksum and version stamp on the WorkflowTaskCompleted
 * event (the caller writes those), a reset point for the first task each build completed (what
 * `temporal workflow reset` offers), from which the BinaryChecksums and BuildIds search
 * attributes are derived.
 */

/** ResetPointInfo as the run keeps it (times in ms). */
export interface ResetPoint {
  binaryChecksum: string;
  buildId: string;
  runId: string;
  firstWorkflowTaskCompletedId: number;
  createTime: number;
  resettable: boolean;
}

/** The most recent stamp a worker sent (describe's mostRecentWorkerVersionStamp). */
export interface WorkerVersionStamp {
  buildId: string;
  useVersioning: boolean;
}

/** limits.MaxResetPoints of Temporal's history service. */
const MAX_RESET_POINTS = 20;
const UNVERSIONED = 'unversioned';

/**
 * Build-id based versioning is advertised (as Temporal's server does, so that the SDK's core stamps
 * completions with its build id), but its task routing by version sets is not implemented: a
 * worker that asks for it (`useVersioning`) is refused rather than served unversioned tasks.
 */
export function checkUnversionedPoller(
  req: WorkflowServiceRequest<'PollWorkflowTaskQueue' | 'PollActivityTaskQueue'>,
): void {
  if (req.workerVersionCapabilities?.useVersioning) {
    throw new RpcError(
      status.UNIMPLEMENTED,
      'Build-id based worker versioning (useVersioning) is not implemented by this server',
    );
  }
}

/** Records the build of a completion whose WorkflowTaskCompleted event is `completedId`. */
export function recordWorkerVersion(
  run: Execution,
  req: RespondWorkflowTaskCompletedRequest,
  completedId: number,
): void {
  const s = run.state;
  const stamp = req.workerVersionStamp?.buildId
    ? {
        buildId: interned(req.workerVersionStamp.buildId),
        useVersioning: !!req.workerVersionStamp.useVersioning,
      }
    : undefined;
  if (stamp) s.workerVersion = stamp;
  const binaryChecksum = interned(req.binaryChecksum ?? '');
  const buildId = stamp?.buildId ?? '';
  const points = s.resetPoints ?? [];
  if (!binaryChecksum && !buildId) return;
  if (points.some((p) => p.binaryChecksum === binaryChecksum && p.buildId === buildId)) return;
  s.resetPoints = [
    ...points,
    {
      binaryChecksum,
      buildId,
      runId: s.runId,
      firstWorkflowTaskCompletedId: completedId,
      createTime: run.host.clock.now(),
      resettable: true,
    },
  ].slice(-MAX_RESET_POINTS);
}

/**
 * The run's search attributes with the BinaryChecksums and BuildIds the server keeps for it:
 * derived from the reset points when read (describe, list, visibility) rather than stored with
 * every change of the run, which a persistent server writes out each time.
 */
export function searchAttributesWithBuilds(run: Execution): Record<string, Payload> {
  const points = run.state.resetPoints;
  if (!points?.length) return run.state.searchAttributes;
  const checksums = points.map((p) => p.binaryChecksum).filter(Boolean);
  const stamp = run.state.workerVersion;
  const builds = [
    ...(stamp?.useVersioning ? [] : [UNVERSIONED]),
    ...points
      .filter((p) => p.buildId)
      .map((p) => `${stamp?.useVersioning ? 'versioned' : UNVERSIONED}:${p.buildId}`),
  ];
  const fields: Record<string, Payload> = { BuildIds: keywordList(builds) };
  if (checksums.length) fields.BinaryChecksums = keywordList(checksums);
  return upserted(run.state.searchAttributes, fields);
}

function keywordList(values: string[]): Payload {
  return {
    metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('KeywordList') },
    data: Buffer.from(JSON.stringify(values)),
  };
}
