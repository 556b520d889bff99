// A run's history written as byte deltas and read back whole (what a restarted server rebuilds).
import { EncodedHistory } from '../history/encodedHistory';
import { EventType, makeEvent } from '../history/events';

test('a history rebuilt from its bytes has the same events, length and last event type', () => {
  const h = new EncodedHistory();
  const written: Buffer[] = [];
  let offset = 0;
  h.append(
    makeEvent(1, 1_000, 'WorkflowExecutionStarted', {
      workflowType: { name: 'w' },
      input: { payloads: [{ data: Buffer.alloc(300, 7) }] },
    }),
  );
  h.append(
    makeEvent(2, 1_001, 'WorkflowTaskScheduled', { startToCloseTimeout: { seconds: 10 }, attempt: 1 }),
  );
  written.push(h.bytesFrom(offset));
  offset = h.byteLength;
  h.append(makeEvent(3, 1_002, 'WorkflowTaskStarted', { scheduledEventId: 2, identity: 'w@host' }));
  written.push(h.bytesFrom(offset));
  expect(h.byteLength).toBe(Buffer.concat(written).length);

  const back = EncodedHistory.fromEncoded(Buffer.concat(written));
  expect(back.length).toBe(3);
  expect(back.lastEventType).toBe(EventType.WorkflowTaskStarted);
  expect(back.events()).toEqual(h.events());
  expect(back.encoded(2, 3).equals(h.encoded(2, 3))).toBe(true);
  expect(EncodedHistory.fromEncoded(Buffer.alloc(0)).length).toBe(0);
});
