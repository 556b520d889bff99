// A run opens on its history.
import { redirect } from '@sveltejs/kit';

import { routeForEventHistory } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

export const load: PageLoad = ({ params }) => {
  redirect(307, routeForEventHistory(params));
};
