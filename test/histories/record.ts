// Records the replay histories afresh: `npx tsx test/workflows/histories/record.ts [scenario ...]`.
// Run it only when a workflow change is meant to change histories, and only for workflows that
// have no running executions left in production (otherwise use workflow.patched(); see README).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { startWorkflowTestEnv } from '../support/environment';
import { historyToObject } from '../support/history-json';
import { scenarios } from '../support/scenarios';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0)
    throw new Error(`unknown scenarios: ${unknown.join(', ')} (known: ${Object.keys(scenarios).join(', ')})`);
  const t = await startWorkflowTestEnv();
  try {
    for (const [name, scenario] of Object.entries(scenarios)) {
      if (wanted.length > 0 && !wanted.includes(name)) continue;
      const handle = await scenario({ ...t, failingProducts: t.fakes.failingProducts });
      const history = await handle.fetchHistory();
      const file = path.join(__dirname, `${name}.json`);
      // Formatted as `npm run lint` expects, so recording never leaves the tree unformatted.
      writeFileSync(file, await format(JSON.stringify(historyToObject(history)), { parser: 'json' }));
      console.log(`${name}: ${history.events?.length ?? 0} events -> ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await t.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
