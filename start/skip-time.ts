// `npx tsx start/skip-time.ts 8d`: skips time on the embedded Temporal server of `npm start`
// (address from TEMPORAL_ADDRESS, else 127.0.0.1:TEMPORAL_PORT) and prints the new server time.
import { connectTimeSkipper, parseDuration } from './time-skipping';

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: npx tsx start/skip-time.ts <duration, e.g. 8d, 36h, 15m>');
  const ms = parseDuration(arg);
  const address = process.env.TEMPORAL_ADDRESS || `127.0.0.1:${process.env.TEMPORAL_PORT || 7233}`;
  const skipper = await connectTimeSkipper(address).catch((error: unknown) => {
    throw new Error(
      `cannot reach the embedded Temporal server at ${address} (is npm start running?): ${(error as Error).message}`,
    );
  });
  try {
    const before = await skipper.now();
    await skipper.skip(ms);
    console.log(
      `skipped ${arg}: server time ${before.toISOString()} -> ${(await skipper.now()).toISOString()}`,
    );
  } finally {
    await skipper.close();
  }
}

main().catch((error: unknown) => {
  console.error(`skip-time: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
