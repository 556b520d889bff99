/**
 * The dynamic config keys this server honours, by Temporal's names (common/dynamicconfig), set with
 * `--dynamic-config-value KEY=VALUE` as on Temporal's CLI or `startDevServer({ dynamicConfig })`.
 * Values are Temporal's defaults unless given.
 */
export interface DynamicConfig {
  /** History event count at which WorkflowTaskStarted suggests continue-as-new. */
  'limit.historyCount.suggestContinueAsNew': number;
  /** History size in bytes at which WorkflowTaskStarted suggests continue-as-new. */
  'limit.historySize.suggestContinueAsNew': number;
  /** A payload larger than this (and than the warn limit) is refused: "Blob data size exceeds limit." */
  'limit.blobSize.error': number;
  /** A payload larger than this is logged; the error limit applies only past it, as in Temporal. */
  'limit.blobSize.warn': number;
  /** Updates of one run admitted or accepted and not yet completed; one more is refused (0: no limit). */
  'history.maxInFlightUpdates': number;
  /** Distinct updates one run can receive (rejected ones do not count); one more is refused (0: no limit). */
  'history.maxTotalUpdates': number;
}

export const DEFAULT_DYNAMIC_CONFIG: Readonly<DynamicConfig> = {
  'limit.historyCount.suggestContinueAsNew': 4 * 1024,
  'limit.historySize.suggestContinueAsNew': 4 * 1024 * 1024,
  'limit.blobSize.error': 2 * 1024 * 1024,
  'limit.blobSize.warn': 512 * 1024,
  'history.maxInFlightUpdates': 10,
  'history.maxTotalUpdates': 2000,
};

const KEYS = new Set(Object.keys(DEFAULT_DYNAMIC_CONFIG));

export class DynamicConfigError extends Error {}

/** The defaults with the given values over them; a value that is not a whole number >= 0 throws. */
export function resolveDynamicConfig(
  values: Partial<Record<keyof DynamicConfig, unknown>> = {},
): DynamicConfig {
  const config: DynamicConfig = { ...DEFAULT_DYNAMIC_CONFIG };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (!KEYS.has(key))
      throw new DynamicConfigError(`dynamic config key "${key}" is not supported by this server`);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new DynamicConfigError(
        `dynamic config value of "${key}" must be a whole number >= 0, got ${JSON.stringify(value)}`,
      );
    config[key as keyof DynamicConfig] = value;
  }
  return config;
}

/**
 * `--dynamic-config-value KEY=VALUE` flags (VALUE in JSON, as Temporal's CLI reads it). Keys this
 * server does not implement are accepted with a warning, as other unknown flags are.
 */
export function parseDynamicConfigFlags(flags: readonly string[]): {
  values: Partial<DynamicConfig>;
  warnings: string[];
} {
  const values: Partial<Record<keyof DynamicConfig, unknown>> = {};
  const warnings: string[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new DynamicConfigError(`--dynamic-config-value "${flag}" is not KEY=VALUE`);
    const key = flag.slice(0, eq);
    let value: unknown;
    try {
      value = JSON.parse(flag.slice(eq + 1));
    } catch {
      throw new DynamicConfigError(
        `--dynamic-config-value ${key}: "${flag.slice(eq + 1)}" is not a JSON value`,
      );
    }
    if (!KEYS.has(key)) {
      warnings.push(`ignoring dynamic config key "${key}" (not implemented by this server)`);
      continue;
    }
    values[key as keyof DynamicConfig] = value;
  }
  resolveDynamicConfig(values);
  return { values: values as Partial<DynamicConfig>, warnings };
}

/**
 * Temporal's CheckEventBlobSizeLimit: a size is refused only past both the warn and the error limit.
 */
export function blobTooLarge(config: DynamicConfig, size: number): boolean {
  return size > config['limit.blobSize.warn'] && size > config['limit.blobSize.error'];
}

/** The frontend's answer to an oversized payload (common.ErrBlobSizeExceedsLimit). */
export const BLOB_SIZE_EXCEEDS_LIMIT = 'Blob data size exceeds limit.';
