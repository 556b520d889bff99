// A namespace on its own shows its workflows.
import { redirect } from '@sveltejs/kit';

import { routeForWorkflows } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

export const load: PageLoad = ({ params }) => {
  redirect(307, routeForWorkflows({ namespace: params.namespace }));
};
