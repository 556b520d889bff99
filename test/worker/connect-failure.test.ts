// The worker process cannot reach Temporal: it exits non-zero with one line naming the address.
import net from 'node:net';
import { spawnWorker } from './run-worker-process';

/** A port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('exits 1 with one clear line when Temporal is unreachable', async () => {
  const port = await closedPort();
  const worker = spawnWorker({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'orders-test' });
  const { code } = await worker.exited;
  expect(code).toBe(1);
  const lines = worker.stderr().trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^worker: cannot connect to Temporal at 127\\.0\\.0\\.1:${port} \\(namespace orders-test\\): .*refused`,
      'i',
    ),
  );
});

test('exits 1 with one line on invalid configuration', async () => {
  const worker = spawnWorker({ TEMPORAL_ADDRESS: '127.0.0.1:7233', PROVISIONING_CONCURRENCY: 'many' });
  const { code } = await worker.exited;
  expect(code).toBe(1);
  expect(worker.stderr().trim().split('\n')).toEqual([
    expect.stringMatching(/^worker: invalid configuration: PROVISIONING_CONCURRENCY: /),
  ]);
});
