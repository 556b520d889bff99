// The persister: a request's changes, and what its microtasks change, go to disk in one commit,
// and durable() resolves only once they are there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Persister } from './persister';
import { DurableStore, historyBytes, type RunKey } from './store';

const root = mkdtempSync(path.join(tmpdir(), 'persister-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  key: RunKey;
  status: string;
  history: Buffer;
}

const codec = {
  key: (r: Run) => r.key,
  state: (r: Run) => ({ status: r.status }),
  history: (r: Run) => historyBytes(r.history),
};

test('changes of one turn, microtasks included, are one commit; durable() waits for it', async () => {
  const file = path.join(root, 'p.db');
  const { store } = DurableStore.open(file);
  const p = new Persister(store, codec);
  const parent: Run = { key: ['default', 'parent', 'r1'], status: 'running', history: Buffer.from('P1') };
  const child: Run = { key: ['default', 'child', 'r2'], status: 'running', history: Buffer.from('C1') };
  const gone: Run = { key: ['default', 'gone', 'r3'], status: 'closed', history: Buffer.from('G1') };
  p.runChanged(gone);
  await p.durable();
  expect(store.stats.commits).toBe(1);

  child.status = 'completed';
  child.history = Buffer.from('C1C2');
  p.runChanged(child);
  p.runChanged(child);
  queueMicrotask(() => {
    // The child's close reaches its parent in a microtask: same commit.
    parent.history = Buffer.from('P1P2');
    p.runChanged(parent);
  });
  p.runRemoved(gone);
  let done = false;
  const durable = p.durable().then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  expect(done).toBe(false);
  await durable;
  expect(store.stats.commits).toBe(2);
  // Nothing changed since: already durable.
  await p.durable();
  await store.close();

  const { store: again, recovered } = DurableStore.open(file);
  await again.close();
  expect(recovered.runs.map((r) => [r.key[1], r.state, r.history.toString()])).toEqual([
    ['child', { status: 'completed' }, 'C1C2'],
    ['parent', { status: 'running' }, 'P1P2'],
  ]);
});
