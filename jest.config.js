const processFiles = require('./test/setup/process-files');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/test/**/*.test.ts', '**/*.test.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '/.data/',
    // `npm run test:e2e` runs these (test/setup/process-files.js).
    ...processFiles.map((file) => `<rootDir>/${escape(file)}$`),
    // `npm run test:ui` runs it (jest.ui.config.js): it needs the built Temporal UI.
    '<rootDir>/test/ui/',
  ],
  // The UI's own app and its 280 MB of packages (ui/, built by `npm run ui:build`): nothing of jest's.
  modulePathIgnorePatterns: ['<rootDir>/ui/'],
  // Type-checking is `npm run build`'s job; tests only transpile, which keeps them fast.
  transform: {
    // The generated Prisma client is compiled to plain CommonJS (see the transform's comment).
    '/generated/prisma/.+\\.ts$': '<rootDir>/test/setup/commonjs-transform.js',
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60_000,
  // Jest's default on 2 cores is one worker (cores - 1); most files wait on servers, timers and
  // child processes as much as they compute, so two share the cores without slowing each other.
  maxWorkers: 2,
  // One migrated database per worker for the run (embedded Postgres, or throwaway databases on
  // DATABASE_URL's server), each test file on its worker's.
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup/worker-database.ts'],
};
