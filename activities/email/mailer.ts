// Delivery of rendered messages: over SMTP when SMTP_URL is set, otherwise as .eml files in an
// outbox folder so a laptop without a mail server still shows what would have been sent.
import { mkdir, rename, writeFile } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per (order, template, key): a resend after a crash carries the same id, so it can be de-duplicated. */
  messageId: string;
  /** The message's Date, stable across resends (the first attempt's): part of the outbox file name. */
  date: Date;
  /** What a person reads in the outbox file name after the date, e.g. `<order>_welcome_<item>`. */
  name: string;
}

export interface Mailer {
  send(message: OutgoingMessage): Promise<{ messageId: string; delivery: 'smtp' | 'outbox' }>;
  close(): void;
}

export interface MailerOptions {
  from: string;
  smtpUrl?: string;
  outboxDir: string;
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl
    ? smtpMailer(options.smtpUrl, options.from)
    : outboxMailer(options.outboxDir, options.from);
}

/** Multipart text + HTML; the same fields for both deliveries. */
const mailOf = (m: OutgoingMessage) => ({
  to: m.to,
  subject: m.subject,
  text: m.text,
  html: m.html,
  messageId: m.messageId,
  date: m.date,
});

/** `2026-12-02T10-00-00Z_<order>_<template>[_<key>].eml`: sorted by time, readable, one per email. */
export function outboxFileName(m: Pick<OutgoingMessage, 'date' | 'name'>): string {
  const time = m.date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
  return `${time}_${m.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200)}.eml`;
}

// Short timeouts, well inside the email's claim lease (send-email.ts): a send that hangs keeps the
// activity and the claim busy, and a retry with the same Message-ID is cheaper than a stuck one.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  return {
    async send(m) {
      await transport.sendMail({ from, ...mailOf(m) });
      return { messageId: m.messageId, delivery: 'smtp' };
    },
    close: () => transport.close(),
  };
}

// The callback API, promisified: fs/promises' writeFile goes through a FileHandle, which cost
// about 2.5 times the CPU for a message's write and rename (scratch measurement, 0.8 against
// 0.3 ms), a noticeable part of an order's activities (bench/orders).
const makeDirectory = promisify(mkdir);
const writeData = promisify(writeFile);
const renameFile = promisify(rename);

function outboxMailer(outboxDir: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  // The folder is made once, not per message; should it vanish meanwhile it is made again.
  let folder: Promise<unknown> | undefined;
  const makeFolder = (): Promise<unknown> =>
    (folder = makeDirectory(outboxDir, { recursive: true }).catch((error: unknown) => {
      folder = undefined; // a failure is retried by the next message
      throw error;
    }));
  const write = async (file: string, data: Buffer): Promise<void> => {
    await (folder ?? makeFolder());
    try {
      await writeData(file, data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await makeFolder();
      await writeData(file, data);
    }
  };
  return {
    async send(m) {
      const info = await transport.sendMail({ from, ...mailOf(m) });
      // Named after the first attempt's time, the order and the email (one file per email_log row)
      // and written through a rename, so a resend replaces, never adds.
      const file = path.join(outboxDir, outboxFileName(m));
      const tmp = `${file}.${process.pid}.tmp`;
      await write(tmp, info.message as Buffer);
      await renameFile(tmp, file);
      return { messageId: m.messageId, delivery: 'outbox' };
    },
    close: () => transport.close(),
  };
}
