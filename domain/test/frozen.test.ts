// The workflows of a thread share one domain, which the SDK freezes (workflows/shared-libraries.ts).
// The full matrix and the decide tests run again here on a domain frozen that way: a part zod
// computes on first use that settleLazyParts missed would make them throw.
import { z } from 'zod';
import { domain, settleLazyParts } from '../../workflows/shared-libraries';
import { freezeLikeTheSdk } from './frozen-domain';
import './matrix.test';
import './decide.test';

describe('the domain shared by the workflows of a thread', () => {
  it('is frozen in these tests', () => {
    expect(Object.isFrozen(domain.checkoutLifecycle)).toBe(true);
    expect(Object.isFrozen(domain.paymentFields)).toBe(true);
    expect(Object.isFrozen(domain.paymentFields._zod)).toBe(true);
  });

  const schema = () =>
    z.object({ reason: z.string().trim().min(1), items: z.array(z.object({ id: z.string() })) });
  const input = { reason: ' late ', items: [{ id: 'a' }] };

  it('needs its schemas settled: a frozen schema that was not cannot parse', () => {
    const unsettled = schema();
    freezeLikeTheSdk(unsettled);
    expect(() => unsettled.parse(input)).toThrow(TypeError);
  });

  it('parses with frozen schemas once they are settled', () => {
    const settled = schema();
    settleLazyParts(settled);
    freezeLikeTheSdk(settled);
    expect(settled.parse(input)).toEqual({ reason: 'late', items: [{ id: 'a' }] });
    expect(settled.safeParse({ reason: '', items: [] }).success).toBe(false);
  });
});
