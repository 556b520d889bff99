import { encodeMessage } from '../grpc/proto';
import { payloadsSize } from './sizeLimits';

const payload = (data: string, metadata: Record<string, string>) => ({
  data: Buffer.from(data),
  metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
});

test('payload sizes are the encoded sizes of the messages, as Temporal measures them', () => {
  const cases = [
    { payloads: [] },
    { payloads: [payload('', {})] },
    { payloads: [payload('"hi"', { encoding: 'json/plain' })] },
    { payloads: [payload('x'.repeat(200), { encoding: 'binary/plain', clé: 'é'.repeat(70) })] },
    { payloads: [payload('y'.repeat(3 * 1024 * 1024), { encoding: 'json/plain' }), payload('z', {})] },
  ];
  for (const p of cases)
    expect(payloadsSize(p)).toBe(encodeMessage('temporal.api.common.v1.Payloads', p).length);
});
