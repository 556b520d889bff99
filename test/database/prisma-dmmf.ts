// Prisma's own reading of prisma/schema.prisma (the DMMF datamodel), obtained by running
// `prisma generate` with a throwaway generator (dmmf-generator.cjs) on a copy of the schema. The
// schema test derives every expectation from it, so no list of tables is written by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUnique: boolean;
  isId: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
  uniqueFields: string[][];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
  dbName?: string;
}

export interface Datamodel {
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

const ROOT = path.resolve(__dirname, '..', '..');

export function loadDatamodel(schemaFile = path.join(ROOT, 'prisma', 'schema.prisma')): Datamodel {
  const dir = mkdtempSync(path.join(tmpdir(), 'dmmf-'));
  try {
    const output = path.join(dir, 'dmmf.json');
    const generator = path.join(__dirname, 'dmmf-generator.cjs');
    const schema =
      readFileSync(schemaFile, 'utf8') +
      `\ngenerator dmmf {\n  provider = ${JSON.stringify(`node "${generator}"`)}\n  output = ${JSON.stringify(output)}\n}\n`;
    writeFileSync(path.join(dir, 'schema.prisma'), schema);
    const cli = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
    const run = spawnSync(
      process.execPath,
      [cli, 'generate', '--schema', path.join(dir, 'schema.prisma'), '--generator', 'dmmf'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        // generate never runs the schema engine, but the CLI insists on finding one (see
        // scripts/prisma-generate.mjs).
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
        },
      },
    );
    if (run.status !== 0) throw new Error(`prisma generate (dmmf) failed:\n${run.stdout}${run.stderr}`);
    return JSON.parse(readFileSync(output, 'utf8')) as Datamodel;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
