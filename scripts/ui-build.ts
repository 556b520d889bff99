// `npm run ui:build`: builds the Temporal UI (ui/) into its cache, or says it is already built for
// the current sources. `npm start` serves it; see start/ui/build-cache.ts.
import { buildUi, findUiBuild } from '../start/ui/build-cache';

async function main(): Promise<void> {
  const existing = findUiBuild();
  if (existing) {
    process.stdout.write(`Temporal UI already built for these sources: ${existing.dir}\n`);
    return;
  }
  const started = Date.now();
  const build = await buildUi({ output: process.stdout });
  process.stdout.write(`Temporal UI built in ${Math.round((Date.now() - started) / 1000)} s: ${build.dir}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`ui:build: ${(error as Error).message}\n`);
  process.exit(1);
});
