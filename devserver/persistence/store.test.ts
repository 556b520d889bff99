// The durable store: replay, history deltas, meta values, compaction, the lock.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { encodeFrame } from './journal';
import { DurableStore, historyBytes, type RunKey, type SnapshotSource } from './store';

const root = mkdtempSync(path.join(tmpdir(), 'store-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newFile = () => path.join(root, `s${n++}.db`);

/** A server's memory in miniature: runs with a state and a growing history, and meta values. */
class Model implements SnapshotSource {
  readonly runStates = new Map<string, { key: RunKey; state: unknown; history: Buffer }>();
  readonly metaValues = new Map<string, unknown>();

  constructor(readonly store: DurableStore) {}

  put(key: RunKey, state: unknown, newEvents = ''): Promise<void> {
    const id = key.join('/');
    const run = this.runStates.get(id) ?? { key, state, history: Buffer.alloc(0) };
    run.state = state;
    run.history = Buffer.concat([run.history, Buffer.from(newEvents)]);
    this.runStates.set(id, run);
    return this.store.putRun(key, state, historyBytes(run.history));
  }

  remove(key: RunKey): Promise<void> {
    this.runStates.delete(key.join('/'));
    return this.store.removeRun(key);
  }

  setMeta(key: string, value: unknown): Promise<void> {
    this.metaValues.set(key, value);
    return this.store.setMeta(key, value);
  }

  *runs() {
    for (const r of this.runStates.values())
      yield { key: r.key, state: r.state, history: historyBytes(r.history) };
  }

  meta() {
    return this.metaValues.entries();
  }

  /** What a reopened store must give back. */
  expected() {
    return {
      runs: [...this.runStates.values()].map((r) => ({ key: r.key, state: r.state, history: r.history })),
      meta: new Map(this.metaValues),
    };
  }
}

async function reopened(file: string) {
  const { store, recovered } = DurableStore.open(file);
  await store.close();
  return recovered;
}

const run = (id: string): RunKey => ['default', `wf-${id}`, `run-${id}`];

describe('DurableStore', () => {
  it('gives back runs (state and whole history), removals and meta values after a reopen', async () => {
    const file = newFile();
    const { store, recovered } = DurableStore.open(file);
    expect(recovered).toEqual({ runs: [], meta: new Map(), truncatedBytes: 0 });
    const m = new Model(store);
    const payload = Buffer.from([0, 1, 2, 255]);
    await Promise.all([
      m.put(run('a'), { status: 1, input: { data: payload } }, 'E1E2E3'),
      m.put(run('b'), { status: 1, expiresAt: Infinity }, 'B1'),
      m.setMeta('clock', { offsetMs: 1234 }),
      m.setMeta('namespace/default', { retentionMs: 86_400_000 }),
    ]);
    await m.put(run('a'), { status: 1, timers: ['t1'], input: { data: payload } }, 'E4');
    await m.put(run('b'), { status: 2, expiresAt: -Infinity });
    await m.put(run('c'), { status: 1 }, 'C1');
    await m.remove(run('c'));
    await m.setMeta('clock', { offsetMs: 99_000 });
    await store.close();

    const back = await reopened(file);
    expect(back.runs).toEqual(m.expected().runs);
    expect(back.meta).toEqual(m.expected().meta);
    expect(back.runs[0]!.history.toString()).toBe('E1E2E3E4');
    expect(Buffer.isBuffer((back.runs[0]!.state as { input: { data: Buffer } }).input.data)).toBe(true);
    expect((back.runs[1]!.state as { expiresAt: number }).expiresAt).toBe(-Infinity);
  });

  it('writes only the new history bytes of a run on each write', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file);
    const m = new Model(store);
    const big = 'x'.repeat(10_000);
    await m.put(run('a'), { n: 0 }, big);
    const afterFirst = store.size;
    for (let i = 1; i <= 10; i++) await m.put(run('a'), { n: i }, 'e');
    expect(store.size - afterFirst).toBeLessThan(1_000);
    await store.close();
    expect((await reopened(file)).runs[0]!.history.toString()).toBe(`${big}eeeeeeeeee`);
  });

  it('compacts to the live state and goes on appending after the snapshot', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file);
    const m = new Model(store);
    store.setSnapshotSource(m);
    for (let i = 0; i < 50; i++) await m.put(run(`r${i % 5}`), { i, pad: 'p'.repeat(500) }, `ev${i};`);
    for (let i = 0; i < 3; i++) await m.remove(run(`r${i}`));
    await m.setMeta('clock', { offsetMs: 5 });
    const before = store.size;
    // Writes still pending when the snapshot is taken are in it: they must not be written again.
    const pending = m.put(run('r4'), { i: 'pending' }, 'pending;');
    const compacted = store.compactNow();
    const after = m.put(run('r4'), { i: 'after' }, 'after;');
    await Promise.all([pending, compacted, after]);
    expect(store.size).toBeLessThan(before / 5);
    expect(store.stats.compactions).toBe(1);
    await store.close();
    const back = await reopened(file);
    expect(back.runs).toEqual(m.expected().runs);
    expect(back.meta).toEqual(m.expected().meta);
    expect(back.runs.find((r) => r.key[2] === 'run-r4')!.history.toString()).toBe(
      'ev4;ev9;ev14;ev19;ev24;ev29;ev34;ev39;ev44;ev49;pending;after;',
    );
  });

  it('compacts by itself: a run rewritten over and over keeps the file bounded', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file, { compactMinBytes: 64 * 1024, compactRatio: 4 });
    const m = new Model(store);
    store.setSnapshotSource(m);
    let largest = 0;
    for (let i = 0; i < 2_000; i++) {
      await m.put(run('long-lived'), { i, pad: 'p'.repeat(200) });
      largest = Math.max(largest, store.size);
    }
    expect(store.stats.compactions).toBeGreaterThan(2);
    expect(largest).toBeLessThan(64 * 1024 + 4 * 1024);
    await store.close();
    expect((await reopened(file)).runs).toEqual(m.expected().runs);
  });

  it('refuses an entry it does not know, naming the file and the offset', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file);
    await store.setMeta('clock', { offsetMs: 1 });
    await store.close();
    const offset = statSync(file).size;
    const unknown = Buffer.from([42, 1, 0, 0, 0, 7]);
    writeFileSync(file, Buffer.concat([readFileSync(file), encodeFrame([unknown])]));
    expect(() => DurableStore.open(file)).toThrow(
      `the state file ${file} is damaged at byte ${offset + 12}: unknown entry kind 42`,
    );
    // The failed open released its lock.
    writeFileSync(file, readFileSync(file).subarray(0, offset));
    expect((await reopened(file)).meta.get('clock')).toEqual({ offsetMs: 1 });
  });

  it('refuses a history that does not continue where the file left it', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file);
    await store.putRun(run('a'), {}, historyBytes(Buffer.from('abc')));
    expect(() => store.putRun(run('a'), {}, historyBytes(Buffer.from('ab')))).toThrow(
      'run default/wf-a/run-a: history has 2 bytes, 3 were already written',
    );
    await store.close();
  });

  it('lets one store at a time open a file: another one in this process or in another process is refused', async () => {
    const file = newFile();
    const { store } = DurableStore.open(file);
    expect(() => DurableStore.open(file)).toThrow(
      `the state file ${file} is in use by process ${process.pid}: stop that server, or give this one another --db-filename`,
    );
    await store.close();

    const script = path.join(root, 'holder.ts');
    writeFileSync(
      script,
      `import { DurableStore } from ${JSON.stringify(path.resolve(__dirname, 'store'))};\n` +
        `DurableStore.open(${JSON.stringify(file)});\nprocess.stdout.write('open\\n');\nprocess.stdin.resume();\n`,
    );
    const child = spawn(
      process.execPath,
      ['--import', path.resolve(__dirname, '../../start/register-tsx.mjs'), script],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    try {
      await once(child.stdout, 'data');
      expect(() => DurableStore.open(file)).toThrow(
        `the state file ${file} is in use by process ${child.pid}`,
      );
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    // Its owner was killed: the lock it left is stale and taken over.
    const again = DurableStore.open(file);
    await again.store.close();
  });
});
