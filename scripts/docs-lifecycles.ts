/**
 * Renders docs/lifecycles.md from the lifecycle data in domain/, so the documentation cannot drift
 * from the rules the code enforces. `npx tsx scripts/docs-lifecycles.ts` writes the file; a test
 * checks the committed file equals the rendering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier/standalone';
import * as markdownPlugin from 'prettier/plugins/markdown';
import { z } from 'zod';
import {
  fromStatuses,
  lifecycles,
  refusalHttpStatus,
  targetStatuses,
  type AnyLifecycle,
  type RefusalCode,
} from '../domain';

const root = join(__dirname, '..');
export const lifecyclesDocPath = join(root, 'docs', 'lifecycles.md');

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface JsonSchemaNode {
  properties?: Record<
    string,
    { enum?: unknown[]; const?: unknown; default?: unknown; type?: string; format?: string }
  >;
  required?: string[];
}

/** "amount, reference" or "reason?"; enums list their values. Read from the zod schema itself. */
export function describeFields(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const required = new Set(json.required ?? []);
  const parts = Object.entries(json.properties ?? {}).map(([name, property]) => {
    let text = code(required.has(name) ? name : `${name}?`);
    if (property.enum) text += ` (${property.enum.map(String).join(' | ')})`;
    if (property.default !== undefined) text += ` (default "${String(property.default)}")`;
    else if (property.type === 'array') text += ' (list)';
    else if (property.format === 'date-time') text += ' (ISO date-time)';
    else if (property.type === 'integer') text += ' (integer)';
    return text;
  });
  return parts.length > 0 ? parts.join(', ') : '—';
}

function renderLifecycle(lifecycle: AnyLifecycle): string {
  const statuses = lifecycle.statusNames.map((status) => {
    const info = lifecycle.statuses[status]!;
    return [code(status), info.label, info.description, lifecycle.terminal.includes(status) ? 'yes' : ''];
  });
  const transitions = lifecycle.transitions.map((row) => {
    const targets = targetStatuses<string>(row).map(code).join(' or ');
    return [
      fromStatuses<string>(row).map(code).join(', '),
      code(row.action),
      row.roles.join(', '),
      typeof row.to === 'string' ? targets : `${targets} (${row.to.description})`,
      describeFields(lifecycle.actions[row.action]!.fields),
      [row.guard?.description, row.fieldRule?.description].filter(Boolean).join('; '),
    ];
  });
  const actions = lifecycle.actionNames.map((action) => [code(action), lifecycle.actions[action]!.label]);
  return [
    `## ${lifecycle.title[0]!.toUpperCase()}${lifecycle.title.slice(1)} (${code(lifecycle.name)})`,
    `From ${lifecycle.source}. Initial status: ${lifecycle.initial.map(code).join(', ')}. ` +
      `Terminal statuses (no action at all): ${lifecycle.terminal.map(code).join(', ')}.`,
    `### Statuses`,
    table(['Status', 'Label', 'Description', 'Terminal'], statuses),
    `### Transitions`,
    table(['From', 'Action', 'Roles', 'To', 'Fields', 'Condition'], transitions),
    `### Actions`,
    table(['Action', 'Meaning'], actions),
  ].join('\n\n');
}

const refusalMeaning: { readonly [C in RefusalCode]: string } = {
  not_party: 'the order is not one of the actor’s (admin and system act on every order)',
  role_not_allowed: 'the actor’s role may never take this action in this lifecycle',
  status_not_allowed: 'not from the current status, or the condition fails; lists the actions allowed now',
  invalid_fields: 'the action’s fields are missing or invalid; lists each issue',
};

/** The markdown before formatting; `renderLifecyclesDoc` formats it the way `prettier --check` wants. */
export function renderLifecyclesMarkdown(): string {
  const refusals = (Object.keys(refusalMeaning) as RefusalCode[]).map((c) => [
    code(c),
    String(refusalHttpStatus[c]),
    refusalMeaning[c],
  ]);
  return [
    '<!-- Generated from domain/ by scripts/docs-lifecycles.ts: edit the lifecycle data, then run `npm run docs:lifecycles`. -->',
    '# Order lifecycles',
    'Each lifecycle is data in [`domain/`](../domain): its statuses, its actions with the fields they ' +
      'require, and one row per transition (from, action, roles, to, condition). ' +
      '`decide(lifecycle, order, actor, action, fields, { now })` is the only code that reads the rows; ' +
      'the workflows and the API both ask it, and action names are the workflows’ signal names.',
    'A refused action gets the first failing check, in this order:',
    table(['Refusal', 'HTTP', 'Meaning'], refusals),
    'Roles: `admin`, `client`, `isv`, `merchant`, `salesperson`, `customer` and `system` ' +
      '(payment webhook, timers, provisioning). Money amounts are integer cents (`amountCents`).',
    ...lifecycles.map((lifecycle) => renderLifecycle(lifecycle as unknown as AnyLifecycle)),
  ].join('\n\n');
}

function prettierOptions(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')) as Record<string, unknown>;
}

export async function renderLifecyclesDoc(): Promise<string> {
  return format(renderLifecyclesMarkdown(), {
    ...prettierOptions(),
    parser: 'markdown',
    plugins: [markdownPlugin],
  });
}

async function main(): Promise<void> {
  writeFileSync(lifecyclesDocPath, await renderLifecyclesDoc());
  console.log(`wrote ${lifecyclesDocPath}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
