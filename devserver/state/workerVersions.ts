import type { Payload, RespondWorkflowTaskCompletedRequest } from '../grpc/messages';
import type { Execution } from './execution';
import { upserted } from './mutableState';

/**
 * Which worker builds completed a run's workflow tasks, as Temporal's history service records
 * them at each completion: the binary checksum and version stamp on the WorkflowTaskCompleted
 * event (the caller writes those), a reset point for the first task each build completed (what
 * `temporal workflow reset` offers), and the BinaryChecksums and BuildIds search attributes.
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

/** Records the build of a completion whose WorkflowTaskCompleted event is `completedId`. */
export function recordWorkerVersion(
  run: Execution,
  req: RespondWorkflowTaskCompletedRequest,
  completedId: number,
): void {
  const s = run.state;
  const stamp = req.workerVersionStamp?.buildId
    ? { buildId: req.workerVersionStamp.buildId, useVersioning: !!req.workerVersionStamp.useVersioning }
    : undefined;
  if (stamp) s.workerVersion = stamp;
  const binaryChecksum: string = req.binaryChecksum ?? '';
  const buildId = stamp?.buildId ?? '';
  const fields: Record<string, Payload> = {};
  const points = s.resetPoints ?? [];
  if (
    (binaryChecksum || buildId) &&
    !points.some((p) => p.binaryChecksum === binaryChecksum && p.buildId === buildId)
  ) {
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
    if (binaryChecksum) {
      fields.BinaryChecksums = keywordList(s.resetPoints.map((p) => p.binaryChecksum).filter(Boolean));
    }
  }
  // BuildIds: "unversioned" for a run no versioned worker took, then each build as unversioned:ID.
  const current = readKeywordList(s.searchAttributes.BuildIds);
  const next = [...(stamp?.useVersioning ? [] : [UNVERSIONED]), ...current.filter((v) => v !== UNVERSIONED)];
  const entry = stamp ? `${stamp.useVersioning ? 'versioned' : UNVERSIONED}:${stamp.buildId}` : '';
  if (entry && !next.includes(entry)) next.push(entry);
  if (next.join('\u0000') !== current.join('\u0000')) fields.BuildIds = keywordList(next);
  if (Object.keys(fields).length) s.searchAttributes = upserted(s.searchAttributes, fields);
}

function keywordList(values: string[]): Payload {
  return {
    metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('KeywordList') },
    data: Buffer.from(JSON.stringify(values)),
  };
}

function readKeywordList(p: Payload | undefined): string[] {
  if (!p?.data) return [];
  try {
    const value: unknown = JSON.parse(Buffer.from(p.data).toString());
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
