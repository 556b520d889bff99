// `npm run test:ui`: the browser test of the Temporal UI on `npm start` (test/ui/). It needs the
// UI built (`npm run ui:build`), so it is neither in `npm test` nor in `npm run test:e2e`.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/ui/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // It runs `npm start` on its own embedded Postgres: no test database to prepare.
  globalSetup: undefined,
  globalTeardown: undefined,
  setupFiles: [],
};
