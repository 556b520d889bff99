// The journal file: group commit, durability order, torn tails and corruption.
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import {
  FILE_HEADER_BYTES,
  FRAME_HEADER_BYTES,
  Journal,
  JournalCorruptError,
  nodeIo,
  type JournalIo,
} from './journal';

const root = mkdtempSync(path.join(tmpdir(), 'journal-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newFile = () => path.join(root, `j${n++}.journal`);

const entry = (text: string) => Buffer.from(text);
const payloads = async (file: string) => (await reopen(file)).frames.map((f) => f.payload.toString());

/** Opens, reads the frames and closes (a journal left open would keep its fd). */
async function reopen(file: string) {
  const opened = Journal.open(file);
  await opened.journal.close();
  return opened;
}

/** Writes three frames ("one", "two", "three") and returns the offset where each starts. */
async function threeFrames(file: string): Promise<number[]> {
  const { journal } = Journal.open(file);
  const starts: number[] = [];
  for (const text of ['one', 'two', 'three']) {
    starts.push(journal.size);
    await journal.append(entry(text));
  }
  await journal.close();
  return starts;
}

describe('Journal', () => {
  it('reads back what was appended, one frame per commit, in order', async () => {
    const file = newFile();
    const { journal, frames } = Journal.open(file);
    expect(frames).toEqual([]);
    await journal.append(entry('a'));
    await Promise.all([journal.append(entry('b')), journal.append([entry('c'), entry('d')])]);
    await journal.close();
    expect((await reopen(file)).frames.map((f) => f.payload.toString())).toEqual(['a', 'bcd']);
  });

  it('commits everything appended in one turn of the event loop with one write and one fdatasync', async () => {
    const file = newFile();
    const { journal } = Journal.open(file);
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append(entry(`${i},`))));
    expect(journal.stats).toMatchObject({ commits: 1, syncs: 1 });
    await journal.close();
    expect(await payloads(file)).toEqual([Array.from({ length: 100 }, (_, i) => `${i},`).join('')]);
  });

  it('resolves an append only after its frame is written and synced, and in append order', async () => {
    const file = newFile();
    const syncs: (() => void)[] = [];
    const io: JournalIo = {
      write: nodeIo.write,
      datasync: (fd) =>
        new Promise<void>((resolve) => syncs.push(() => void nodeIo.datasync(fd).then(resolve))),
    };
    const { journal } = Journal.open(file, { io });
    const order: string[] = [];
    const first = journal.append(entry('first')).then(() => order.push('first'));
    await waitFor(() => syncs.length === 1);
    // The first frame is written but its sync is held: appends now go to the next frame.
    const second = journal.append(entry('second')).then(() => order.push('second'));
    const third = journal.append(entry('third')).then(() => order.push('third'));
    await settle();
    expect(order).toEqual([]);
    expect(await payloads(file)).toEqual(['first']);
    syncs.shift()!();
    await first;
    expect(order).toEqual(['first']);
    await waitFor(() => syncs.length === 1);
    await settle();
    expect(order).toEqual(['first']);
    syncs.shift()!();
    await Promise.all([second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
    expect(journal.stats.commits).toBe(2);
    await journal.close();
    expect(await payloads(file)).toEqual(['first', 'secondthird']);
  });

  it('fails every waiting append, and every later one, when a write fails', async () => {
    const file = newFile();
    const failures: Error[] = [];
    const io: JournalIo = {
      write: () => Promise.reject(new Error('ENOSPC: no space left')),
      datasync: nodeIo.datasync,
    };
    const { journal } = Journal.open(file, { io, onFailure: (e) => failures.push(e) });
    const a = journal.append(entry('a'));
    const b = journal.append(entry('b'));
    await expect(a).rejects.toThrow(`writing the state file ${file} failed: ENOSPC`);
    await expect(b).rejects.toThrow('ENOSPC');
    await expect(journal.append(entry('c'))).rejects.toThrow('ENOSPC');
    expect(failures).toHaveLength(1);
    await expect(journal.close()).rejects.toThrow('ENOSPC');
  });

  it('cuts a torn last frame off at every byte where the write may have stopped', async () => {
    const file = newFile();
    const starts = await threeFrames(file);
    const whole = statSync(file).size;
    const lastStart = starts[2]!;
    for (let cut = lastStart + 1; cut < whole; cut++) {
      const torn = `${file}.${cut}`;
      copyFileSync(file, torn);
      truncateSync(torn, cut);
      const { journal, frames, truncatedBytes } = Journal.open(torn);
      expect(frames.map((f) => f.payload.toString())).toEqual(['one', 'two']);
      expect(truncatedBytes).toBe(cut - lastStart);
      expect(statSync(torn).size).toBe(lastStart);
      // The journal goes on from the cut.
      await journal.append(entry('four'));
      await journal.close();
      expect(await payloads(torn)).toEqual(['one', 'two', 'four']);
      rmSync(torn);
    }
  });

  it('cuts off a last frame whose bytes did not all reach the disk (bad checksum, zeros)', async () => {
    const file = newFile();
    const starts = await threeFrames(file);
    const data = readFileSync(file);

    const garbled = Buffer.from(data);
    garbled[garbled.length - 1]! ^= 0xff;
    writeFileSync(file, garbled);
    expect((await reopen(file)).frames.map((f) => f.payload.toString())).toEqual(['one', 'two']);

    // The file grew but the last pages were never written: zeros where the header should be.
    writeFileSync(file, Buffer.concat([data.subarray(0, starts[2]), Buffer.alloc(4096)]));
    const { truncatedBytes } = await reopen(file);
    expect(truncatedBytes).toBe(4096);
    expect(statSync(file).size).toBe(starts[2]);

    // Header garbled but the payload whole (sectors written out of order).
    const header = Buffer.from(data);
    header[starts[2]! + 1]! ^= 0x40;
    writeFileSync(file, header);
    expect((await reopen(file)).frames.map((f) => f.payload.toString())).toEqual(['one', 'two']);
  });

  it('refuses a file damaged before its last frame, naming the file and the offset, and leaves it as is', async () => {
    const file = newFile();
    const starts = await threeFrames(file);
    for (const at of [starts[1]! + FRAME_HEADER_BYTES /* payload */, starts[1]! + 2 /* length */]) {
      const damaged = readFileSync(file);
      damaged[at]! ^= 0x01;
      const copy = `${file}.damaged`;
      writeFileSync(copy, damaged);
      let error: unknown;
      try {
        Journal.open(copy);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JournalCorruptError);
      expect((error as JournalCorruptError).message).toContain(
        `the state file ${copy} is damaged at byte ${starts[1]}`,
      );
      expect(readFileSync(copy).equals(damaged)).toBe(true);
    }
  });

  it('refuses a file that is not a journal, or of another format version', async () => {
    const file = newFile();
    writeFileSync(file, 'SQLite format 3\0 and more bytes');
    expect(() => Journal.open(file)).toThrow(
      `the state file ${file} is damaged at byte 0: it is not a temporal-devserver state file`,
    );
    const { journal } = Journal.open(newFile());
    await journal.close();
    const data = readFileSync(journal.file);
    data.writeUInt32LE(99, 8);
    writeFileSync(file, data);
    expect(() => Journal.open(file)).toThrow('the file header fails its checksum');
    data.writeUInt32LE(crc32(data.subarray(0, 12)), 12);
    writeFileSync(file, data);
    expect(() => Journal.open(file)).toThrow('format version 99 is not supported');
    expect(statSync(file).size).toBe(FILE_HEADER_BYTES);
  });

  it('compacts: the snapshot replaces the file, appends still pending are covered by it', async () => {
    const file = newFile();
    const { journal } = Journal.open(file);
    for (let i = 0; i < 20; i++) await journal.append(entry(`old${i}`));
    const pending = journal.append(entry('in-snapshot-already'));
    const compacted = journal.compact([entry('snap1'), entry('snap2')]);
    const after = journal.append(entry('after'));
    await Promise.all([pending, compacted, after]);
    expect(journal.stats.compactions).toBe(1);
    await journal.close();
    expect(await payloads(file)).toEqual(['snap1snap2', 'after']);
  });
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
