// The small parts of `npm start`: durations for skip-time, the banner, the shutdown order and the
// first-run data (against the run's database).
import { createHash } from 'node:crypto';
import pino from 'pino';
import { issueApiKey } from '../../api/auth/keys';
import { formatBanner } from '../../start/banner';
import { DEMO_ROLES, seedCatalog, seedDemoPrincipals, seedSettings } from '../../start/seed';
import { ShutdownStack } from '../../start/shutdown';
import { parseDuration } from '../../start/time-skipping';
import { testPrisma } from '../setup/database';

const silent = pino({ level: 'silent' });

describe('parseDuration', () => {
  test.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['36h', 129_600_000],
    ['8d', 691_200_000],
    ['1.5h', 5_400_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '8', 'd', '-1d', '3 weeks', '1w'])('refuses %p', (text) =>
    expect(() => parseDuration(text)).toThrow(/not a duration/),
  );
});

describe('formatBanner', () => {
  const base = {
    apiUrl: 'http://localhost:3000',
    temporalAddress: '127.0.0.1:7233',
    namespace: 'default',
    database: 'embedded Postgres in .data/pg',
  };

  test('embedded: URLs, docs and how to skip time; keys only when given', () => {
    const text = formatBanner({
      ...base,
      temporalEmbedded: true,
      temporalHttpUrl: 'http://127.0.0.1:7243',
      outbox: '.data/outbox',
    });
    expect(text).toContain('http://localhost:3000/docs');
    expect(text).toContain('Temporal HTTP    http://127.0.0.1:7243/api/v1/namespaces/default/workflows');
    expect(text).toContain('127.0.0.1:7233 (namespace default, embedded)');
    expect(text).toContain('npx tsx start/skip-time.ts 8d');
    expect(text).toContain('.data/outbox');
    expect(text).not.toContain('Demo API keys');
  });

  test('a real Temporal: no skip-time hint; demo keys with their parties', () => {
    const text = formatBanner({
      ...base,
      temporalEmbedded: false,
      demoKeys: [
        { role: 'admin', key: 'ok_admin', subjectId: null },
        { role: 'client', key: 'ok_client', subjectId: 'party-1' },
      ],
    });
    expect(text).not.toContain('skip-time');
    expect(text).not.toContain('TEMPORAL_ADDRESS');
    expect(text).toMatch(/^ {2}export API=http:\/\/localhost:3000$/m);
    expect(text).toMatch(/^ {2}export ADMIN=ok_admin$/m);
    expect(text).toMatch(/^ {2}export CLIENT=ok_client CLIENT_ID=party-1$/m);
  });

  test('embedded: the walk-through variables include where skip-time finds the server', () => {
    const text = formatBanner({
      ...base,
      temporalEmbedded: true,
      demoKeys: [{ role: 'salesperson', key: 'ok_s', subjectId: 'party-2' }],
    });
    expect(text).toMatch(/^ {2}export TEMPORAL_ADDRESS=127\.0\.0\.1:7233$/m);
    expect(text).toMatch(/^ {2}export SALES=ok_s SALES_ID=party-2$/m);
  });
});

describe('ShutdownStack', () => {
  test('stops newest first, goes on after a failing step, reports it', async () => {
    const order: string[] = [];
    const stack = new ShutdownStack(silent);
    stack.push('server', () => void order.push('server'));
    stack.push('database', async () => {
      order.push('database');
      throw new Error('disk gone');
    });
    stack.push('api', () => void order.push('api'));
    expect(await stack.unwind()).toBe(false);
    expect(order).toEqual(['api', 'database', 'server']);
    // Each step runs once.
    expect(await stack.unwind()).toBe(true);
    expect(order).toHaveLength(3);
  });
});

describe('first-run data', () => {
  const prisma = testPrisma();

  test('the catalog is seeded only while it is empty; the settings row is kept as it is', async () => {
    await seedCatalog(prisma);
    const count = await prisma.product.count();
    expect(count).toBeGreaterThan(0);
    expect(await seedCatalog(prisma)).toBe(0);
    expect(await prisma.product.count()).toBe(count);

    const before = await prisma.settings.findUnique({ where: { id: 1 } });
    await seedSettings(prisma);
    const after = await prisma.settings.findUnique({ where: { id: 1 } });
    expect(after).toMatchObject({
      autoApprove: before?.autoApprove ?? false,
      invoiceDueDays: before?.invoiceDueDays ?? 7,
      autoCancelOnExpiry: before?.autoCancelOnExpiry ?? true,
    });
  });

  test('demo keys: one per role on the first call, stored as hashes only, none on the next', async () => {
    const keys = await seedDemoPrincipals(prisma, issueApiKey);
    expect(keys?.map((k) => k.role)).toEqual([...DEMO_ROLES]);
    for (const k of keys!) {
      const hash = createHash('sha256').update(k.key).digest('hex');
      const row = await prisma.apiPrincipal.findUnique({ where: { keyHash: hash } });
      expect(row).toMatchObject({ role: k.role, subjectId: k.subjectId });
      expect(await prisma.apiPrincipal.count({ where: { keyHash: k.key } })).toBe(0);
      if (k.subjectId) {
        expect(await prisma.party.findUnique({ where: { id: k.subjectId } })).toMatchObject({ kind: k.role });
      }
    }
    expect(await seedDemoPrincipals(prisma, issueApiKey)).toBeUndefined();
  });
});
