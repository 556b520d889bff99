// `node --import ./start/register-tsx.mjs <entry>.ts`: tsx for the main thread only.
//
// Worker threads inherit `--import`, so with `--import tsx` every workflow thread of the Temporal
// SDK loaded tsx too. Those threads run plain JavaScript (the SDK's thread script and the prebuilt
// workflow bundle) and gained only tsx's side effect: Node's source-map support, which makes Node
// scan each function compiled in the thread for a source-map comment, and the SDK's promise hook
// compiles one for every promise a workflow creates. Workflow stack traces do not need it (the SDK
// maps them with the bundle's own source map).
import { isMainThread } from 'node:worker_threads';

if (isMainThread) await import('tsx');
