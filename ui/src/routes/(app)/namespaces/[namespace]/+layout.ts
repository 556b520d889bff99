// The namespace's search attributes (OrderStatus, OrderKind, CustomerId, ...) feed the list's
// filter and the run's search attribute panel.
import { fetchSearchAttributesForNamespace } from '@temporalio/ui/services/search-attributes-service';
import { allSearchAttributes } from '@temporalio/ui/stores/search-attributes';

import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ params, parent, fetch }) => {
  await parent();
  allSearchAttributes.set(await fetchSearchAttributesForNamespace(params.namespace, fetch));
};
