// The start page is the default namespace's workflow list.
import { redirect } from '@sveltejs/kit';

import { routeForWorkflows } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
  const { settings } = await parent();
  redirect(307, routeForWorkflows({ namespace: settings.defaultNamespace }));
};
