// What the migrated database actually contains, read from the Postgres catalogs of the
// connection's current schema.
import type { Client } from 'pg';

export interface DbColumn {
  table: string;
  column: string;
  udt: string;
  nullable: boolean;
  default: string | null;
  precision: number | null;
}

export interface DbIndex {
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  columns: string[];
}

export interface DbForeignKey {
  table: string;
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export async function readTables(c: Client): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  return rows.map((r) => r.name).sort();
}

export async function readColumns(c: Client): Promise<DbColumn[]> {
  const { rows } = await c.query<DbColumn>(
    `SELECT table_name AS "table", column_name AS "column", udt_name AS udt,
            is_nullable = 'YES' AS nullable, column_default AS "default", datetime_precision AS precision
       FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  return rows;
}

export async function readIndexes(c: Client): Promise<DbIndex[]> {
  const { rows } = await c.query<DbIndex>(
    `SELECT t.relname AS "table", i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
            array_agg(a.attname::text ORDER BY k.ord) AS columns
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema()
      GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary`,
  );
  return rows;
}

const ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

export async function readForeignKeys(c: Client): Promise<DbForeignKey[]> {
  const { rows } = await c.query<Omit<DbForeignKey, 'onDelete' | 'onUpdate'> & { del: string; upd: string }>(
    `SELECT con.conname AS name, cl.relname AS "table", ref.relname AS "refTable",
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS "refColumns",
            con.confdeltype AS del, con.confupdtype AS upd
       FROM pg_constraint con
       JOIN pg_class cl ON cl.oid = con.conrelid
       JOIN pg_class ref ON ref.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE con.contype = 'f' AND n.nspname = current_schema()`,
  );
  return rows.map(({ del, upd, ...fk }) => ({
    ...fk,
    onDelete: ACTIONS[del] ?? del,
    onUpdate: ACTIONS[upd] ?? upd,
  }));
}
