import { Ledger } from '../../workflows/order/ledger';
import { parseActionSignal, UNKNOWN_ACTOR } from '../../workflows/order/signal-payload';

describe('parseActionSignal', () => {
  it('accepts an actor with optional fields and request id', () => {
    expect(parseActionSignal({ actor: { role: 'client', id: 'c-1' } })).toEqual({
      ok: true,
      signal: { actor: { role: 'client', id: 'c-1' } },
    });
    expect(
      parseActionSignal({
        actor: { role: 'admin', id: 'a' },
        fields: { reason: 'x' },
        requestId: 'r',
        extra: 1,
      }),
    ).toEqual({
      ok: true,
      signal: { actor: { role: 'admin', id: 'a' }, fields: { reason: 'x' }, requestId: 'r' },
    });
  });

  it.each([
    ['not an object', 'pay', /must be an object/],
    ['no actor', {}, /needs an actor/],
    ['unknown role', { actor: { role: 'root', id: 'x' } }, /needs an actor/],
    ['empty id', { actor: { role: 'client', id: '' } }, /needs an actor/],
    ['fields not an object', { actor: { role: 'client', id: 'c' }, fields: [1] }, /fields must be an object/],
    ['empty request id', { actor: { role: 'client', id: 'c' }, requestId: '' }, /requestId/],
  ])('refuses %s with a clear message', (_name, raw, message) => {
    const parsed = parseActionSignal(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it('keeps the request id of a malformed signal when it can, so its retry is a duplicate', () => {
    expect(parseActionSignal({ requestId: 'r-9' })).toMatchObject({
      ok: false,
      actor: UNKNOWN_ACTOR,
      requestId: 'r-9',
    });
  });
});

describe('Ledger', () => {
  it('numbers entries, remembers request ids and moves its revision on every change', () => {
    const ledger = new Ledger();
    const entry = {
      action: 'a',
      actor: UNKNOWN_ACTOR,
      from: null,
      to: 'x',
      outcome: 'accepted' as const,
      at: 'now',
    };
    expect(ledger.append(entry).sequence).toBe(1);
    expect(ledger.append(entry).sequence).toBe(2);
    expect(ledger.revision).toBe(2);
    ledger.touch();
    expect(ledger.revision).toBe(3);
    expect(ledger.isDuplicate(undefined)).toBe(false);
    expect(ledger.isDuplicate('r')).toBe(false);
    expect(ledger.isDuplicate('r')).toBe(true);
    const next = new Ledger({
      entries: ledger.entries,
      requestIds: ledger.handledRequestIds(),
      revision: ledger.revision,
    });
    expect(next.isDuplicate('r')).toBe(true);
    expect(next.append(entry).sequence).toBe(3);
    expect(next.revision).toBe(4);
  });
});
