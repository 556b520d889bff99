// Raw statements on the pg pool under a Prisma client, for the activities' hot paths.
//
// Each activity of an order runs one to three raw SQL statements. Through Prisma's $queryRawUnsafe
// a statement costs the worker 0.05 to 0.2 ms of CPU more than the same statement on `pg` (argument
// and result conversion, its tracing span), twenty times per checkout order (bench/orders). Results
// come as `pg` gives them: timestamptz as Date, int4 as number, json parsed.
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client';

export interface Sql {
  /** Runs a statement with $1.. parameters and returns its rows. */
  rows<R>(text: string, ...values: unknown[]): Promise<R[]>;
  /** Runs a statement with $1.. parameters and returns how many rows it changed. */
  execute(text: string, ...values: unknown[]): Promise<number>;
}

const pools = new WeakMap<PrismaClient, Pool>();

/** Called by createPrismaClient for the pool it hands to the adapter. */
export function registerPool(prisma: PrismaClient, pool: Pool): void {
  pools.set(prisma, pool);
}

/**
 * The statements of `prisma`: on its pool when createPrismaClient made it, else through Prisma.
 * The client is connected before the first statement, so that its $disconnect ends the pool.
 */
export function sqlOf(prisma: PrismaClient): Sql {
  const pool = pools.get(prisma);
  if (!pool) {
    return {
      rows: (text, ...values) => prisma.$queryRawUnsafe(text, ...values),
      execute: (text, ...values) => prisma.$executeRawUnsafe(text, ...values),
    };
  }
  let connected: Promise<void> | undefined;
  const query = async (text: string, values: unknown[]) => {
    await (connected ??= prisma.$connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    }));
    return pool.query(text, values).catch((error: unknown) => {
      throw namingSqlState(error);
    });
  };
  return {
    rows: async <R>(text: string, ...values: unknown[]) => (await query(text, values)).rows as R[],
    execute: async (text, ...values) => (await query(text, values)).rowCount ?? 0,
  };
}

/**
 * pg's error says only Postgres's message; the SQLSTATE goes in front of it, as Prisma's message
 * had it, so a failure recorded or shown (projection_failures, the Temporal UI) names its code.
 */
function namingSqlState(error: unknown): unknown {
  const code = sqlState(error);
  if (code && error instanceof Error && !error.message.includes(code)) {
    error.message = `SQLSTATE ${code}: ${error.message}`;
  }
  return error;
}

/**
 * The SQLSTATE of a failed statement, from `pg` (`code`) or from Prisma (the driver adapter's
 * original code).
 */
export function sqlState(error: unknown): string | undefined {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)
    ?.meta?.driverAdapterError?.cause;
  const code = cause?.originalCode ?? (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
