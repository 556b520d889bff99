/**
 * The test files that run the product as whole processes (`npm start`, the worker, the embedded
 * database in a child process): each spawns Node processes that bundle the workflows or initialise
 * PGlite themselves, so together they took most of a run's time. `npm test` (jest.config.js)
 * leaves them to `npm run test:e2e` (jest.e2e.config.js); CI runs both.
 */
module.exports = [
  'test/start/npm-start.e2e.test.ts',
  'test/start/walkthrough.e2e.test.ts',
  'test/start/start-failures.test.ts',
  'test/worker/worker-process.test.ts',
  'test/workflows/worker-crash.test.ts',
  'test/database/embedded.test.ts',
];
