// Where the simulated panel keeps what it created. The Prisma store survives a killed worker, so
// a crash test can count accounts afterwards; the in-memory one is for unit tests and scripts.
import { sqlOf, type Sql } from '../../database/sql';
import type { PrismaClient } from '../../generated/prisma/client';
import type { AccountStore, PanelRecord } from './provisioner';

export class PrismaAccountStore implements AccountStore {
  private readonly sql: Sql;

  constructor(private readonly prisma: PrismaClient) {
    this.sql = sqlOf(prisma);
  }

  async findOrCreate(record: PanelRecord): Promise<string> {
    // Insert-if-absent and read in one statement: concurrent calls for one key agree on the first
    // row. The read sees the statement's snapshot, so a row committed by a concurrent call after
    // it started is read again below.
    const key = [record.kind, record.idempotencyKey] as const;
    const rows = await this.sql.rows<{ accountId: string }>(
      `WITH ins AS (
         INSERT INTO "simulated_panel_accounts" ("id", "kind", "idempotencyKey", "accountId", "productId", "ownerId")
         VALUES (gen_random_uuid()::text, $1, $2, $3, $4, $5)
         ON CONFLICT ("kind", "idempotencyKey") DO NOTHING
         RETURNING "accountId")
       SELECT "accountId" FROM ins
       UNION ALL
       SELECT "accountId" FROM "simulated_panel_accounts" WHERE "kind" = $1 AND "idempotencyKey" = $2`,
      ...key,
      record.accountId,
      record.productId,
      record.ownerId,
    );
    if (rows[0]) return rows[0].accountId;
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
