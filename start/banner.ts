// What `npm start` prints once everything is up: where to go, how to skip time, and (first run
// only) the demo keys.
import type { Role } from '../domain';
import type { DemoKey } from './seed';

/** The shell variable a role's demo key is printed as (the README's walk-through uses them). */
export function demoKeyVariable(role: Role): string {
  return role === 'salesperson' ? 'SALES' : role.toUpperCase();
}

export interface BannerInput {
  apiUrl: string;
  temporalAddress: string;
  temporalEmbedded: boolean;
  /** The embedded server's HTTP API (Temporal's JSON routes under /api/v1). */
  temporalHttpUrl?: string;
  namespace: string;
  database: string;
  /** Where the embedded Temporal server keeps its workflows (embedded only). */
  temporalState?: string;
  outbox?: string;
  demoKeys?: DemoKey[];
}

export function formatBanner(b: BannerInput): string {
  const lines = [
    '',
    `Orders API       ${b.apiUrl}`,
    `API docs         ${b.apiUrl}/docs  (OpenAPI: ${b.apiUrl}/openapi.json)`,
    `Temporal         ${b.temporalAddress} (namespace ${b.namespace}${b.temporalEmbedded ? ', embedded' : ''})`,
    `Database         ${b.database}`,
  ];
  if (b.temporalHttpUrl) {
    lines.push(`Temporal HTTP    ${b.temporalHttpUrl}/api/v1/namespaces/${b.namespace}/workflows`);
  }
  if (b.temporalState) lines.push(`Workflows        ${b.temporalState}`);
  if (b.outbox) lines.push(`Emails           written to ${b.outbox}`);
  if (b.temporalEmbedded) {
    lines.push(
      '',
      'Skip time (embedded Temporal only), e.g. past an invoice due date:',
      '  npx tsx start/skip-time.ts 8d',
      `  (TestService.UnlockTimeSkippingWithSleep on ${b.temporalAddress}; see start/time-skipping.ts)`,
    );
  }
  if (b.demoKeys) {
    lines.push(
      '',
      'Demo API keys, shown this once (only their hashes are stored). Paste into a shell for the',
      "README's walk-through:",
      `  export API=${b.apiUrl}`,
    );
    if (b.temporalEmbedded) lines.push(`  export TEMPORAL_ADDRESS=${b.temporalAddress}`);
    for (const k of b.demoKeys) {
      const name = demoKeyVariable(k.role);
      lines.push(`  export ${name}=${k.key}${k.subjectId ? ` ${name}_ID=${k.subjectId}` : ''}`);
    }
    lines.push('  curl -H "Authorization: Bearer $ADMIN" $API/orders');
  }
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}
