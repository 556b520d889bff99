// What Prisma would create for the DMMF datamodel: per model its table, columns (Postgres type,
// nullability, default), primary key, unique and plain indexes, and foreign keys. Derived from
// Prisma's reading of schema.prisma, so the hand-written migrations are checked against it.
import type { Datamodel, DmmfField, DmmfModel } from './prisma-dmmf';

export interface ExpectedColumn {
  table: string;
  column: string;
  udt: string;
  nullable: boolean;
  /** the column default Postgres reports, or null for none */
  default: string | null;
  precision: number | null;
}

export interface ExpectedIndex {
  table: string;
  /** the name Prisma gives it: <table>_<columns>_pkey|key|idx, or its map: "..." */
  name: string;
  columns: string[];
  kind: 'primary' | 'unique' | 'normal';
}

export interface ExpectedForeignKey {
  table: string;
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

export const tableOf = (m: DmmfModel): string => m.dbName ?? m.name;
const columnOf = (f: DmmfField): string => f.dbName ?? f.name;

function modelNamed(dm: Datamodel, name: string): DmmfModel {
  const model = dm.models.find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name} in the datamodel`);
  return model;
}

function columnsOf(model: DmmfModel, fieldNames: string[]): string[] {
  return fieldNames.map((name) => {
    const field = model.fields.find((f) => f.name === name);
    if (!field) throw new Error(`no field ${model.name}.${name}`);
    return columnOf(field);
  });
}

// Prisma's default Postgres type per scalar, and its native type attributes (@db.X).
const SCALAR_UDT: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Decimal: 'numeric',
  Boolean: 'bool',
  DateTime: 'timestamp',
  Json: 'jsonb',
  Bytes: 'bytea',
};
const NATIVE_UDT: Record<string, string> = {
  Text: 'text',
  VarChar: 'varchar',
  Char: 'bpchar',
  Uuid: 'uuid',
  Integer: 'int4',
  SmallInt: 'int2',
  BigInt: 'int8',
  Timestamp: 'timestamp',
  Timestamptz: 'timestamptz',
  Date: 'date',
  JsonB: 'jsonb',
  Json: 'json',
};

function udtOf(f: DmmfField): string {
  const udt = f.nativeType ? NATIVE_UDT[f.nativeType[0]] : SCALAR_UDT[f.type];
  if (!udt)
    throw new Error(
      `expected-schema.ts does not know the type of ${f.name} (${f.type} ${f.nativeType?.[0]})`,
    );
  return udt;
}

function precisionOf(f: DmmfField): number | null {
  if (f.type !== 'DateTime' || (f.nativeType && f.nativeType[0] === 'Date')) return null;
  const arg = f.nativeType?.[1][0];
  return arg === undefined ? 3 : Number(arg);
}

// Defaults Prisma computes in the client leave the column without a database default.
const CLIENT_SIDE_DEFAULTS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

function defaultOf(f: DmmfField): string | null {
  if (!f.hasDefaultValue) return null;
  const d = f.default;
  if (typeof d === 'object' && d !== null && 'name' in d) {
    const name = (d as { name: string }).name;
    if (CLIENT_SIDE_DEFAULTS.has(name)) return null;
    if (name === 'now') return 'CURRENT_TIMESTAMP';
    if (name === 'autoincrement') return `nextval(...)`;
    throw new Error(`expected-schema.ts does not know the default ${name}() of ${f.name}`);
  }
  if (typeof d === 'string') return f.type === 'String' ? `'${d.replace(/'/g, "''")}'::text` : `'${d}'`;
  return String(d);
}

export function expectedSchema(dm: Datamodel) {
  const tables = dm.models.map(tableOf).sort();
  const columns: ExpectedColumn[] = [];
  const indexes: ExpectedIndex[] = [];
  const foreignKeys: ExpectedForeignKey[] = [];

  for (const model of dm.models) {
    const table = tableOf(model);
    for (const f of model.fields) {
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) {
          const target = modelNamed(dm, f.type);
          const fkColumns = columnsOf(model, f.relationFromFields);
          foreignKeys.push({
            table,
            name: `${table}_${fkColumns.join('_')}_fkey`,
            columns: fkColumns,
            refTable: tableOf(target),
            refColumns: columnsOf(target, f.relationToFields ?? []),
            // Prisma's referential actions when none is given
            onDelete: f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull'),
            onUpdate: 'Cascade',
          });
        }
        continue;
      }
      if (f.isList)
        throw new Error(`expected-schema.ts does not handle scalar lists (${model.name}.${f.name})`);
      columns.push({
        table,
        column: columnOf(f),
        udt: udtOf(f),
        nullable: !f.isRequired,
        default: defaultOf(f),
        precision: precisionOf(f),
      });
    }
  }
  for (const index of dm.indexes) {
    const model = modelNamed(dm, index.model);
    if (index.type === 'fulltext') throw new Error('expected-schema.ts does not handle fulltext indexes');
    const table = tableOf(model);
    const columns = columnsOf(
      model,
      index.fields.map((f) => f.name),
    );
    const suffix = { id: 'pkey', unique: 'key', normal: 'idx' }[index.type];
    indexes.push({
      table,
      name:
        index.dbName ?? (index.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`),
      columns,
      kind: index.type === 'id' ? 'primary' : index.type,
    });
  }
  return { tables, columns, indexes, foreignKeys };
}
