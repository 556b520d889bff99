// Records the replay histories afresh: `npm run histories:record [-- scenario ...]`.
// Run it only when a workflow change is meant to change histories, and only for workflows that
// have no running executions left in production (otherwise use workflow.patched(); see
// docs/changing-workflows.md).
// The scenarios run as in the tests, through the real activities: on a throwaway database
// (embedded Postgres, or one created on DATABASE_URL's server) and an in-process SMTP server.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { createTestDatabase } from '../setup/test-database';
import { startWorkflowTestEnv } from '../workflows/support/environment';
import { historyToObject } from '../workflows/support/history-json';
import { scenarios } from '../workflows/support/scenarios';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0)
    throw new Error(`unknown scenarios: ${unknown.join(', ')} (known: ${Object.keys(scenarios).join(', ')})`);
  const db = await createTestDatabase(process.env.DATABASE_URL || undefined);
  process.env.TEST_DATABASE_URL = db.url;
  try {
    const t = await startWorkflowTestEnv();
    try {
      for (const [name, scenario] of Object.entries(scenarios)) {
        if (wanted.length > 0 && !wanted.includes(name)) continue;
        const handle = await scenario({ ...t, failingProducts: t.observed.failingProducts });
        await t.observed.expectProjectionsAgree();
        const history = await handle.fetchHistory();
        const file = path.join(__dirname, `${name}.json`);
        // Formatted as prettier would, so the files stay readable and diffable.
        writeFileSync(file, await format(JSON.stringify(historyToObject(history)), { parser: 'json' }));
        console.log(`${name}: ${history.events?.length ?? 0} events -> ${path.relative(process.cwd(), file)}`);
      }
    } finally {
      await t.stop();
    }
  } finally {
    await db.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
