// The API alone, as the compose stack runs it: Temporal at TEMPORAL_ADDRESS, Postgres at
// DATABASE_URL (migrated by the stack's migration job), workers in their own containers.
import { oneLine } from '../worker/connection';
import { main } from './main';

main(process.env, 'api').then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`api: ${oneLine(String((error as Error)?.message ?? error))}\n`);
    process.exit(1);
  },
);
