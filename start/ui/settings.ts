// GET /api/v1/settings, which Temporal's ui-server answers itself (not the Temporal frontend): the
// same fields (server/server/api/handler.go's SettingsResponse), with what fits the embedded server.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UI_SOURCE_DIR } from './build-cache';

export interface UiSettings {
  Auth: { Enabled: boolean; Options: string[] | null };
  BannerText: string;
  DefaultNamespace: string;
  ShowTemporalSystemNamespace: boolean;
  FeedbackURL: string;
  NotifyOnNewVersion: boolean;
  Codec: {
    Endpoint: string;
    PassAccessToken: boolean;
    IncludeCredentials: boolean;
    DefaultErrorMessage: string;
    DefaultErrorLink: string;
  };
  Version: string;
  DisableWriteActions: boolean;
  WorkflowTerminateDisabled: boolean;
  WorkflowCancelDisabled: boolean;
  WorkflowSignalDisabled: boolean;
  WorkflowUpdateDisabled: boolean;
  WorkflowResetDisabled: boolean;
  BatchActionsDisabled: boolean;
  StartWorkflowDisabled: boolean;
  HideWorkflowQueryErrors: boolean;
  RefreshWorkflowCountsDisabled: boolean;
}

/** The @temporalio/ui version ui/ is built from (its lockfile says; no install needed to read it). */
export function uiVersion(sourceDir: string = UI_SOURCE_DIR): string {
  const lock = JSON.parse(readFileSync(path.join(sourceDir, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  return lock.packages?.['node_modules/@temporalio/ui']?.version ?? '';
}

export function uiSettings(namespace: string, version: string = uiVersion()): UiSettings {
  return {
    // A local tool on 127.0.0.1, as Temporal's own dev server UI: no login.
    Auth: { Enabled: false, Options: null },
    BannerText: '',
    DefaultNamespace: namespace,
    ShowTemporalSystemNamespace: false,
    FeedbackURL: '',
    NotifyOnNewVersion: false,
    // Payloads are plain JSON (no codec server): the UI decodes them itself.
    Codec: {
      Endpoint: '',
      PassAccessToken: false,
      IncludeCredentials: false,
      DefaultErrorMessage: '',
      DefaultErrorLink: '',
    },
    // The UI encodes path parameters once from 2.23.0 on, twice before: it must know its version.
    Version: version,
    // Signal and terminate reach the server and the workflow like any client's: a signal goes
    // through the workflow's own checks (actor, role, status), as the API's do; Temporal's
    // cancellation request is the lifecycle's `cancel` asked by an operator (workflows/order/
    // runtime.ts), decided the same way; reset (to a workflow task) is the embedded server's
    // ResetWorkflowExecution, whose new run replays the order and reapplies its later signals.
    // Not offered: starting orders, which is the orders API's job (it checks and records them);
    // batch operations, which it does not implement; updates, which the order workflows do not define.
    DisableWriteActions: false,
    WorkflowTerminateDisabled: false,
    WorkflowCancelDisabled: false,
    WorkflowSignalDisabled: false,
    WorkflowUpdateDisabled: true,
    WorkflowResetDisabled: false,
    BatchActionsDisabled: true,
    StartWorkflowDisabled: true,
    HideWorkflowQueryErrors: false,
    RefreshWorkflowCountsDisabled: false,
  };
}
