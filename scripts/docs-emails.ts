/**
 * Renders docs/emails.md from the email catalogue in domain/emails.ts, so the list of emails
 * cannot drift from what the workflows send. `npm run docs:emails` writes the file; a test checks
 * the committed file equals the rendering.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier/standalone';
import * as markdownPlugin from 'prettier/plugins/markdown';
import { emailCatalogue } from '../domain';

const root = join(__dirname, '..');
export const emailsDocPath = join(root, 'docs', 'emails.md');

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;

const lifecycleTitles = {
  checkout: 'Checkout order (seed 002)',
  sales: 'Sales order (seed 001)',
  service: 'Service order (seed 000)',
} as const;

export function renderEmailsMarkdown(): string {
  const sections = (Object.keys(lifecycleTitles) as (keyof typeof lifecycleTitles)[]).map((lifecycle) => {
    const header = ['Template', 'Sent on', 'To', 'Once', 'States'];
    const rows = emailCatalogue
      .filter((e) => e.lifecycle === lifecycle)
      .map((e) => [`\`${e.template}\``, e.event, e.to.join(', '), e.once, e.facts.join('; ')]);
    return [
      `## ${lifecycleTitles[lifecycle]}`,
      '',
      line(header),
      line(header.map(() => '---')),
      ...rows.map(line),
    ].join('\n');
  });
  return [
    '<!-- Generated from domain/emails.ts by scripts/docs-emails.ts: edit the catalogue, then run `npm run docs:emails`. -->',
    '',
    '# Emails',
    '',
    'Every email the order lifecycles send is listed in one place, the catalogue in ' +
      '[`domain/emails.ts`](../domain/emails.ts): its template, the lifecycle event that sends it, ' +
      'who receives it and the facts it states. The workflows queue them ' +
      '([`workflows/state/`](../workflows/state)); the `sendEmail` activity ' +
      '([`activities/email/`](../activities/email)) renders them and sends them.',
    '',
    '- **Rendering**: each template ([`activities/email/templates.ts`](../activities/email/templates.ts), ' +
      'Handlebars) gives a subject that says what happened, a plain-text part and an HTML part ' +
      '(multipart/alternative). Facts of the event (payment reference, reason, account id) come ' +
      'with the request; names, addresses, product names, the invoice and the listing are read from ' +
      'the Postgres projection when the email is sent.',
    "- **Recipients**: a party of the order by id (its address from `parties`), or the platform's " +
      'admins (`ADMIN_EMAIL`).',
    '- **Once**: `email_log` holds one row per (order, template) or, for an email sent per service or ' +
      'per occurrence, per (order, template/key); a retried or concurrent send delivers it once. ' +
      'The Message-ID is `<order.template[.key]@orders>`.',
    '- **Delivery**: over SMTP when `SMTP_URL` is set, otherwise as `.eml` files in `DATA_DIR/outbox`, ' +
      'named `<first attempt time>_<order>_<template>[_<key>].eml` ' +
      '(e.g. `2026-12-02T10-00-00Z_<order>_welcome_host.eml`); a resend replaces its file.',
    '',
    ...sections.flatMap((s) => [s, '']),
    'Admin actions named in the emails are API calls (`POST /orders/{id}/actions/{action}`); ' +
      'see [lifecycles.md](lifecycles.md) for who may take them.',
    '',
  ].join('\n');
}

export async function renderEmailsDoc(): Promise<string> {
  const options = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')) as Record<string, unknown>;
  return format(renderEmailsMarkdown(), { ...options, parser: 'markdown', plugins: [markdownPlugin] });
}

if (require.main === module) {
  renderEmailsDoc()
    .then((doc) => writeFileSync(emailsDocPath, doc))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
