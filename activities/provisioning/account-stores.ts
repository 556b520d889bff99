// Where the simulated panel keeps what it created. The Prisma store survives a killed worker, so
// a crash test can count accounts afterwards; the in-memory one is for unit tests and scripts.
import type { PrismaClient } from '../../generated/prisma/client';
import type { AccountStore, PanelRecord } from './provisioner';

export class PrismaAccountStore implements AccountStore {
  constructor(private readonly prisma: PrismaClient) {}

  async findOrCreate(record: PanelRecord): Promise<string> {
    // Insert-if-absent, then read: concurrent calls for one key agree on the first row.
    await this.prisma.panelAccount.createMany({ data: [record], skipDuplicates: true });
    const row = await this.prisma.panelAccount.findUniqueOrThrow({
      where: { kind_idempotencyKey: { kind: record.kind, idempotencyKey: record.idempotencyKey } },
      select: { accountId: true },
    });
    return row.accountId;
  }
}

export class InMemoryAccountStore implements AccountStore {
  readonly records = new Map<string, PanelRecord>();

  async findOrCreate(record: PanelRecord): Promise<string> {
    const key = `${record.kind}:${record.idempotencyKey}`;
    const existing = this.records.get(key);
    if (existing) return existing.accountId;
    this.records.set(key, { ...record });
    return record.accountId;
  }
}
