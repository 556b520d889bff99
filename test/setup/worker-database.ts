// Runs before each test file (jest setupFiles): points the file at its jest worker's database
// (global-setup.ts made one per worker). DATABASE_URL is pointed at it too, so code under test
// that reads the configuration, and the processes a test starts, use the same database.
const urls = JSON.parse(process.env.TEST_DATABASE_URLS ?? '[]') as string[];
if (urls.length > 0) {
  const worker = Number(process.env.JEST_WORKER_ID) || 1;
  const url = urls[(worker - 1) % urls.length]!;
  process.env.TEST_DATABASE_URL = url;
  process.env.DATABASE_URL = url;
}
