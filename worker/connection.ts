// The worker's connection to Temporal: a local server, a self-hosted cluster with mTLS, or
// Temporal Cloud (mTLS, or TLS with an API key), all from the environment (config/index.ts).
import { readFileSync } from 'node:fs';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError, type Config } from '../config';

export type ConnectionConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_PORT'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
>;

/** Without TEMPORAL_ADDRESS: the server on this machine (the embedded one listens on TEMPORAL_PORT). */
export function temporalAddress(config: ConnectionConfig): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

/**
 * TLS is on when asked for (TEMPORAL_TLS), when any certificate is given, or with an API key
 * (Temporal Cloud accepts API keys over TLS only). TEMPORAL_TLS=false with an API key is refused
 * rather than sending the key in clear.
 */
export function connectionOptions(config: ConnectionConfig): NativeConnectionOptions {
  const {
    TEMPORAL_TLS_CERT_PATH: certPath,
    TEMPORAL_TLS_KEY_PATH: keyPath,
    TEMPORAL_TLS_CA_PATH: caPath,
  } = config;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
  }
  const wantsTls = Boolean(certPath || caPath || config.TEMPORAL_TLS_SERVER_NAME || config.TEMPORAL_API_KEY);
  if (config.TEMPORAL_TLS === false && config.TEMPORAL_API_KEY) {
    throw new ConfigError('TEMPORAL_API_KEY needs TLS: unset TEMPORAL_TLS=false');
  }
  const tlsOn = config.TEMPORAL_TLS ?? wantsTls;
  const options: NativeConnectionOptions = { address: temporalAddress(config) };
  if (tlsOn) {
    options.tls = {
      serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
      serverRootCACertificate: caPath ? readConfigFile('TEMPORAL_TLS_CA_PATH', caPath) : undefined,
      clientCertPair:
        certPath && keyPath
          ? {
              crt: readConfigFile('TEMPORAL_TLS_CERT_PATH', certPath),
              key: readConfigFile('TEMPORAL_TLS_KEY_PATH', keyPath),
            }
          : undefined,
    };
  }
  if (config.TEMPORAL_API_KEY) options.apiKey = config.TEMPORAL_API_KEY;
  return options;
}

export class TemporalConnectError extends Error {
  override name = 'TemporalConnectError';
}

export async function connectToTemporal(config: ConnectionConfig): Promise<NativeConnection> {
  const options = connectionOptions(config);
  try {
    return await NativeConnection.connect(options);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalConnectError(
      `cannot connect to Temporal at ${options.address} (namespace ${config.TEMPORAL_NAMESPACE}): ${oneLine(reason)}`,
      { cause: error },
    );
  }
}

function readConfigFile(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${file}: ${(error as Error).message}`);
  }
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
