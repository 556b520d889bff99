// `npm run test:e2e`: the files that run the product as whole processes
// (test/setup/process-files.js), with the same setup as `npm test`.
const base = require('./jest.config');
const processFiles = require('./test/setup/process-files');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: processFiles.map((file) => `<rootDir>/${file}`),
  testPathIgnorePatterns: ['/node_modules/'],
};
