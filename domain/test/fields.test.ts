// The ISO instant tests zod's datetime pattern itself (domain/fields.ts says why); these pin it to
// what z.iso.datetime({ offset: true }) with the range check gave.
import { z } from 'zod';
import { instant, isStorableTime } from '../fields';

const zodInstant = z.iso.datetime({ offset: true }).refine((value) => {
  const ms = Date.parse(value);
  return Number.isNaN(ms) || isStorableTime(ms);
}, 'must be between years 0001 and 9999 (UTC)');

const issues = (schema: z.ZodType, value: unknown) => schema.safeParse(value).error?.issues ?? [];

describe('instant', () => {
  it.each([
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.123+01:00',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999-01:00',
    '0000-12-31T23:59:59Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T00:00Z',
    '2026-01-01',
    '+010000-01-01T00:00:00Z',
    'Jan 1 10000',
    '',
    5,
    undefined,
  ])('answers %p as z.iso.datetime with the range check did', (value) => {
    expect(issues(instant, value)).toEqual(issues(zodInstant, value));
  });

  it('accepts an instant in range and refuses one outside it with its reason', () => {
    expect(instant.safeParse('2026-06-01T12:00:00+02:00').success).toBe(true);
    expect(issues(instant, '+010000-01-01T00:00:00Z').map((i) => i.message)).toEqual([
      'Invalid ISO datetime',
      'must be between years 0001 and 9999 (UTC)',
    ]);
  });
});
