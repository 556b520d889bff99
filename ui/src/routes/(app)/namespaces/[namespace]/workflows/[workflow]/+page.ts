// A workflow id alone opens its latest run.
import { error, redirect } from '@sveltejs/kit';

import { fetchWorkflowForRunId } from '@temporalio/ui/services/workflow-service';
import { routeForEventHistory } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params }) => {
  const { namespace, workflow } = params;
  const { runId } = await fetchWorkflowForRunId({ namespace, workflowId: workflow });
  if (!runId) error(404, `no run of workflow ${workflow}`);
  redirect(307, routeForEventHistory({ namespace, workflow, run: runId }));
};
