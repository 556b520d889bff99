// What every page needs before it renders: the UI server's settings (no auth: the embedded
// server is a local, single-operator tool), the namespaces, and the server's cluster and system
// info (capabilities decide what the library's pages offer).
import '../../app.css';

import { fetchCluster, fetchSystemInfo } from '@temporalio/ui/services/cluster-service';
import { fetchNamespaces } from '@temporalio/ui/services/namespaces-service';
import { fetchSettings } from '@temporalio/ui/services/settings-service';
import { clearAuthUser } from '@temporalio/ui/stores/auth-user';

import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ fetch }) => {
  const settings = await fetchSettings(fetch);
  clearAuthUser();
  // Fills the namespaces store for the picker; the pages do not wait for it.
  void fetchNamespaces(settings, fetch);
  const [cluster, systemInfo] = await Promise.all([
    fetchCluster(settings, fetch),
    fetchSystemInfo(settings, fetch),
  ]);
  return { settings, cluster, systemInfo, user: {} };
};
