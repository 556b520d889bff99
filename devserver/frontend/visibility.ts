import { invalidArgument } from '../grpc/errors';
import type { WorkflowServiceHandlers, WorkflowServiceRequest } from '../grpc/messages';
import type { DevServer } from '../server';
import type { Execution } from '../state/execution';
import { searchAttributesWithBuilds } from '../state/workerVersions';
import { VisibilityError, VisibilityStore, type VisibilityRecord } from '../visibility';
import { executionInfo } from './executionInfo';

/**
 * ListWorkflowExecutions / CountWorkflowExecutions over the visibility store. Records are brought
 * up to date lazily: a change only marks the run dirty; a list or count re-indexes dirty runs.
 */
export function visibilityHandlers(server: DevServer): WorkflowServiceHandlers {
  const store = new VisibilityStore(server.searchAttributes);
  const dirty = new Set<Execution>();
  server.onChange.push((exec) => dirty.add(exec));
  server.onRemove.push((exec) => {
    dirty.delete(exec);
    store.delete(exec.namespace, exec.runId);
  });
  // Runs a persistent server brought back before this store existed.
  for (const exec of server.allRuns()) dirty.add(exec);
  const refresh = () => {
    for (const exec of dirty) store.upsert(toRecord(server, exec));
    dirty.clear();
  };
  const visibility = <T>(fn: () => T): T => {
    try {
      refresh();
      return fn();
    } catch (err) {
      if (err instanceof VisibilityError) throw invalidArgument(err.message);
      throw err;
    }
  };
  const list = (req: WorkflowServiceRequest<'ListWorkflowExecutions' | 'ScanWorkflowExecutions'>) => {
    const ns = server.checkNamespace(req.namespace);
    return visibility(() => {
      const page = store.list(ns, req.query, req.pageSize, req.nextPageToken);
      return {
        executions: page.records.flatMap((r) => {
          const exec = server.runById(r.runId);
          return exec ? [executionInfo(exec)] : [];
        }),
        nextPageToken: page.nextPageToken ?? undefined,
      };
    });
  };
  return {
    ListWorkflowExecutions: list,
    ScanWorkflowExecutions: list,
    CountWorkflowExecutions: (req) => {
      const ns = server.checkNamespace(req.namespace);
      return visibility(() => {
        const res = store.count(ns, req.query);
        return {
          count: res.count,
          groups: res.groups?.map((g) => ({
            groupValues: g.groupValues.map((v) => ({
              metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Keyword') },
              data: Buffer.from(JSON.stringify(v)),
            })),
            count: g.count,
          })),
        };
      });
    },
  };
}

function toRecord(server: DevServer, exec: Execution): VisibilityRecord {
  let searchAttributes = {};
  try {
    searchAttributes = server.searchAttributes.decodeValues(searchAttributesWithBuilds(exec));
  } catch {
    // Attributes were validated on the way in; a later registry change must not break listing.
  }
  return {
    namespace: exec.namespace,
    workflowId: exec.workflowId,
    runId: exec.runId,
    workflowType: exec.workflowType,
    status: exec.status,
    startTime: new Date(exec.startTime),
    closeTime: exec.closeTime ? new Date(exec.closeTime) : null,
    executionTime: new Date(exec.executionTime),
    taskQueue: exec.taskQueue,
    searchAttributes,
    memo: exec.memo,
    historyLength: exec.history.length,
    parentWorkflowId: exec.parent?.workflowId,
    parentRunId: exec.parent?.runId,
  };
}
