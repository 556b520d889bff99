// The two log formats: readable lines for a person at a terminal, JSON for a collector.
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { defaultLogFormat, prettyStream } from '../../config/logger';

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

test('pretty on a terminal, JSON otherwise', () => {
  expect(defaultLogFormat({ isTTY: true })).toBe('pretty');
  expect(defaultLogFormat({ isTTY: false })).toBe('json');
  expect(defaultLogFormat({})).toBe('json');
});

test('a pretty entry is one readable line naming the part, with its fields below, and no JSON', () => {
  const out = new PassThrough();
  const text = collect(out);
  const log = pino({ name: 'start', level: 'info' }, prettyStream(out));
  log.info({ url: 'http://127.0.0.1:3000' }, 'API started');
  const [first, ...rest] = text().trimEnd().split('\n');
  expect(first).toMatch(/^\[?\d\d:\d\d:\d\d\.\d{3}\]? INFO: \[start\] API started$/);
  expect(rest.join('\n')).toContain('url: "http://127.0.0.1:3000"');
  expect(text()).not.toMatch(/^\{/m);
  expect(text()).not.toContain('hostname');
});
