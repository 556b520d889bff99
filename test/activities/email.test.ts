// sendEmail over a real SMTP server and the outbox: one message per (order, template) under
// retries, crashes between claim and send, and concurrent attempts.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser } from 'mailparser';
import { createMailer, type Mailer } from '../../activities/email/mailer';
import {
  CLAIM_LEASE_SECONDS,
  createEmailActivities,
  emailMessageId,
} from '../../activities/email/send-email';
import { createProjectionActivities } from '../../activities/projection/project-order';
import { createPrismaClient } from '../../database/prisma-client';
import { testDatabaseUrl, testPrisma } from '../setup/database';
import { checkoutView, ids } from './fixtures';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

const prisma = testPrisma();
const { projectOrder } = createProjectionActivities({ prisma });
const ADMIN = 'ops@example.test';

let smtp: SmtpSink;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startSmtpSink();
  mailer = createMailer({
    from: 'Orders <orders@example.test>',
    smtpUrl: smtp.url,
    outboxDir: '/nonexistent',
  });
});

afterAll(async () => {
  mailer.close();
  await smtp.close();
});

/** A projected order whose client has a real email address. */
async function projectedOrder() {
  const k = ids('mail');
  await prisma.party.create({
    data: { id: k.clientId, kind: 'client', name: 'Ada', email: `${k.clientId}@example.test` },
  });
  await projectOrder(checkoutView(k), []);
  return k;
}

const received = (orderId: string) => smtp.messages.filter((m) => m.messageId?.startsWith(`<${orderId}.`));

/**
 * Settles concurrent attempts at one email: each either sent it, found it sent, or was refused
 * retryably because another attempt held the claim. Returns how many sent it.
 */
async function settle(attempts: Promise<{ sent: boolean }>[]): Promise<number> {
  const results = await Promise.allSettled(attempts);
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    expect((result.reason as Error).message).toMatch(/is being sent by another attempt/);
    expect((result.reason as ApplicationFailure).nonRetryable).not.toBe(true);
  }
  return results.filter((r) => r.status === 'fulfilled' && r.value.sent).length;
}

describe('sendEmail over SMTP', () => {
  const { sendEmail } = createEmailActivities({
    prisma,
    mailer: { send: (m) => mailer.send(m), close: () => undefined },
    adminEmail: ADMIN,
  });

  test('sends once per order and template; a second call returns sent:false', async () => {
    const k = await projectedOrder();
    const request = { orderId: k.orderId, template: 'welcome' as const, to: { partyId: k.clientId } };
    expect(await sendEmail(request)).toEqual({ sent: true });
    expect(await sendEmail(request)).toEqual({ sent: false });

    const messages = received(k.orderId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.messageId).toBe(emailMessageId(k.orderId, 'welcome'));
    expect(messages[0]!.messageId).toBe(`<${k.orderId}.welcome@orders>`);
    expect(messages[0]!.to).toMatchObject({ value: [{ address: `${k.clientId}@example.test` }] });
    expect(
      await prisma.emailLog.findUnique({
        where: { orderId_template: { orderId: k.orderId, template: 'welcome' } },
      }),
    ).toMatchObject({
      recipient: `${k.clientId}@example.test`,
      messageId: `<${k.orderId}.welcome@orders>`,
    });
  });

  test('concurrent calls send exactly one message', async () => {
    const k = await projectedOrder();
    const request = {
      orderId: k.orderId,
      template: 'admin_order_awaiting_review' as const,
      to: { admins: true as const },
    };
    expect(await settle(Array.from({ length: 6 }, () => sendEmail(request)))).toBe(1);
    // What the refused attempts get when Temporal retries them.
    expect(await sendEmail(request)).toEqual({ sent: false });
    const messages = received(k.orderId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.to).toMatchObject({ value: [{ address: ADMIN }] });
  });

  test('a claim left by a crashed attempt is sent by the retry, with the same Message-ID', async () => {
    const k = await projectedOrder();
    // What a worker killed between claim and send leaves behind.
    await prisma.emailLog.create({
      data: { orderId: k.orderId, template: 'welcome', recipient: `${k.clientId}@example.test` },
    });
    expect(await sendEmail({ orderId: k.orderId, template: 'welcome', to: { partyId: k.clientId } })).toEqual(
      { sent: true },
    );
    expect(received(k.orderId).map((m) => m.messageId)).toEqual([`<${k.orderId}.welcome@orders>`]);
  });

  test('a claim whose lease still runs is left to its holder; once it ran out the retry sends', async () => {
    const k = await projectedOrder();
    const where = { orderId_template: { orderId: k.orderId, template: 'welcome' } };
    // An attempt that claimed the email a moment ago and may still be sending it.
    await prisma.emailLog.create({
      data: {
        orderId: k.orderId,
        template: 'welcome',
        recipient: `${k.clientId}@example.test`,
        claimedUntil: new Date(Date.now() + 60_000),
      },
    });
    const request = { orderId: k.orderId, template: 'welcome' as const, to: { partyId: k.clientId } };
    const refused = await sendEmail(request).catch((e: unknown) => e);
    expect((refused as Error).message).toBe(
      `sendEmail: welcome for order ${k.orderId} is being sent by another attempt; ` +
        `retried once it is sent or its ${CLAIM_LEASE_SECONDS} s claim runs out`,
    );
    expect((refused as ApplicationFailure).nonRetryable).not.toBe(true);
    expect(received(k.orderId)).toHaveLength(0);

    // The holder died: its lease runs out, and the next retry takes the email over.
    await prisma.emailLog.update({ where, data: { claimedUntil: new Date(Date.now() - 1) } });
    expect(await sendEmail(request)).toEqual({ sent: true });
    expect(received(k.orderId)).toHaveLength(1);
    expect(await prisma.emailLog.findUnique({ where })).toMatchObject({
      messageId: `<${k.orderId}.welcome@orders>`,
      claimedUntil: null,
    });
  });

  test("an attempt whose lease ran out gives back only its own claim, not a later attempt's", async () => {
    const k = await projectedOrder();
    const where = { orderId_template: { orderId: k.orderId, template: 'welcome' } };
    const request = { orderId: k.orderId, template: 'welcome' as const, to: { partyId: k.clientId } };
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      return { open, opened, inside, entered };
    };
    const slow = gate();
    const later = gate();
    const zombie = createEmailActivities({
      prisma,
      adminEmail: ADMIN,
      mailer: {
        send: async () => {
          slow.entered();
          await slow.opened;
          throw new Error('connection reset');
        },
        close: () => undefined,
      },
    }).sendEmail(request);
    await slow.inside;
    // Its lease runs out while it hangs; another attempt takes the email over and is sending.
    await prisma.emailLog.update({ where, data: { claimedUntil: new Date(Date.now() - 1) } });
    const current = createEmailActivities({
      prisma,
      adminEmail: ADMIN,
      mailer: {
        send: async (m) => {
          later.entered();
          await later.opened;
          return mailer.send(m);
        },
        close: () => undefined,
      },
    }).sendEmail(request);
    await later.inside;
    const held = await prisma.emailLog.findUniqueOrThrow({ where });
    slow.open();
    await expect(zombie).rejects.toThrow('connection reset');
    // The later attempt's claim stands: no third attempt could take the email meanwhile.
    expect(await prisma.emailLog.findUniqueOrThrow({ where })).toMatchObject({
      claimedUntil: held.claimedUntil,
      claimToken: held.claimToken,
    });
    later.open();
    expect(await current).toEqual({ sent: true });
    expect(received(k.orderId)).toHaveLength(1);
  });

  test('a claim is taken with a lease of CLAIM_LEASE_SECONDS from the database clock', async () => {
    const k = await projectedOrder();
    let claim: { claimedUntil: Date | null; now: Date } | undefined;
    const watching: Mailer = {
      send: async (m) => {
        const [row] = await prisma.$queryRawUnsafe<{ claimedUntil: Date | null; now: Date }[]>(
          `SELECT "claimedUntil", now() AS "now" FROM "email_log" WHERE "orderId" = $1`,
          k.orderId,
        );
        claim = row;
        return mailer.send(m);
      },
      close: () => undefined,
    };
    const activities = createEmailActivities({ prisma, mailer: watching, adminEmail: ADMIN });
    expect(
      await activities.sendEmail({ orderId: k.orderId, template: 'welcome', to: { partyId: k.clientId } }),
    ).toEqual({ sent: true });
    const leaseMs = claim!.claimedUntil!.getTime() - claim!.now.getTime();
    // This now() is read a moment after the claim's, during the send: a few seconds of slack.
    expect(leaseMs).toBeGreaterThan((CLAIM_LEASE_SECONDS - 5) * 1000);
    expect(leaseMs).toBeLessThanOrEqual(CLAIM_LEASE_SECONDS * 1000);
  });

  test('two workers (separate clients) racing on one email send it once', async () => {
    const k = await projectedOrder();
    const other = createPrismaClient(testDatabaseUrl());
    try {
      const second = createEmailActivities({ prisma: other, mailer, adminEmail: ADMIN });
      const request = {
        orderId: k.orderId,
        template: 'isv_new_service_order' as const,
        to: { admins: true as const },
      };
      const attempts = [
        sendEmail(request),
        second.sendEmail(request),
        sendEmail(request),
        second.sendEmail(request),
      ];
      expect(await settle(attempts)).toBe(1);
      expect(await second.sendEmail(request)).toEqual({ sent: false });
      expect(received(k.orderId)).toHaveLength(1);
    } finally {
      await other.$disconnect();
    }
  });

  test('a crash after the server accepted the message resends it with the same Message-ID', async () => {
    const k = await projectedOrder();
    let crash = true;
    const crashing: Mailer = {
      send: async (m) => {
        const result = await mailer.send(m);
        if (crash) {
          crash = false;
          throw new Error('worker died before recording the send');
        }
        return result;
      },
      close: () => undefined,
    };
    const activities = createEmailActivities({ prisma, mailer: crashing, adminEmail: ADMIN });
    const request = { orderId: k.orderId, template: 'welcome' as const, to: { partyId: k.clientId } };
    await expect(activities.sendEmail(request)).rejects.toThrow('worker died');
    expect(await activities.sendEmail(request)).toEqual({ sent: true });
    expect(await activities.sendEmail(request)).toEqual({ sent: false });
    // The documented at-least-once window: the duplicate carries the same Message-ID.
    const ids = received(k.orderId).map((m) => m.messageId);
    expect(ids).toEqual([`<${k.orderId}.welcome@orders>`, `<${k.orderId}.welcome@orders>`]);
  });

  test('a failed send is retried and then sent once', async () => {
    const k = await projectedOrder();
    let failures = 1;
    const flaky: Mailer = {
      send: async (m) => {
        if (failures-- > 0) throw new Error('connection reset');
        return mailer.send(m);
      },
      close: () => undefined,
    };
    const activities = createEmailActivities({ prisma, mailer: flaky, adminEmail: ADMIN });
    const request = {
      orderId: k.orderId,
      template: 'salesperson_order_declined' as const,
      to: { partyId: k.clientId },
      key: '4',
      data: { reason: 'budget cut', declinedBy: 'the customer' },
    };
    await expect(activities.sendEmail(request)).rejects.toThrow('connection reset');
    expect(received(k.orderId)).toHaveLength(0);
    expect(await activities.sendEmail(request)).toEqual({ sent: true });
    expect(await activities.sendEmail(request)).toEqual({ sent: false });
    const messages = received(k.orderId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toContain('Reason: budget cut');
  });

  test('a permanent SMTP refusal is not retried', async () => {
    const k = await projectedOrder();
    smtp.rejectRecipients.add(`${k.clientId}@example.test`);
    const error = await sendEmail({
      orderId: k.orderId,
      template: 'welcome',
      to: { partyId: k.clientId },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).type).toBe('EmailRefused');
    expect((error as Error).message).toMatch(/refused the message permanently/);
    // Recorded, unclaimed, so admins see which email never left.
    const row = await prisma.emailLog.findUniqueOrThrow({
      where: { orderId_template: { orderId: k.orderId, template: 'welcome' } },
    });
    expect(row).toMatchObject({ messageId: null, claimedUntil: null });
    expect(row.failedAt).toBeInstanceOf(Date);
    expect(row.lastError).toMatch(/unavailable/);
  });

  test('an SMTP authentication refusal (535) is retried: the credentials can be fixed', async () => {
    const k = await projectedOrder();
    const error = await createEmailActivities({
      prisma,
      adminEmail: ADMIN,
      mailer: {
        send: () =>
          Promise.reject(Object.assign(new Error('535 authentication failed'), { responseCode: 535 })),
        close: () => undefined,
      },
    })
      .sendEmail({ orderId: k.orderId, template: 'welcome', to: { partyId: k.clientId } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApplicationFailure);
    const row = await prisma.emailLog.findUniqueOrThrow({
      where: { orderId_template: { orderId: k.orderId, template: 'welcome' } },
    });
    expect(row).toMatchObject({ messageId: null, claimedUntil: null, failedAt: null });
  });

  test('data that is not an object is refused before anything is claimed', async () => {
    const k = await projectedOrder();
    const error = await sendEmail({
      orderId: k.orderId,
      template: 'welcome',
      to: { partyId: k.clientId },
      data: null as never,
    }).catch((e: unknown) => e);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect(await prisma.emailLog.count({ where: { orderId: k.orderId } })).toBe(0);
  });

  test('emails a placeholder party at its placeholder address', async () => {
    const k = ids('mailph');
    await projectOrder(checkoutView(k), []);
    expect(await sendEmail({ orderId: k.orderId, template: 'welcome', to: { partyId: k.clientId } })).toEqual(
      { sent: true },
    );
    expect(received(k.orderId)[0]!.to).toMatchObject({
      value: [{ address: `${k.clientId}@example.invalid` }],
    });
  });

  test('bad requests fail without retry; a missing party or order is retryable', async () => {
    const k = await projectedOrder();
    for (const request of [
      { orderId: '', template: 'welcome', to: { admins: true } },
      { orderId: k.orderId, template: 'no_such_template', to: { admins: true } },
      { orderId: k.orderId, template: 'welcome', to: {} },
    ]) {
      const error = await sendEmail(request as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable).toBe(true);
    }
    await expect(
      sendEmail({ orderId: k.orderId, template: 'welcome', to: { partyId: `${k.clientId}-nobody` } }),
    ).rejects.toThrow(/does not exist/);
    const missingOrder = await sendEmail({
      orderId: `${k.orderId}-missing`,
      template: 'welcome',
      to: { admins: true },
    }).catch((e: unknown) => e);
    expect(missingOrder).toBeInstanceOf(Error);
    expect((missingOrder as Error).message).toBe(
      `sendEmail: order ${k.orderId}-missing is not projected yet`,
    );
    expect((missingOrder as ApplicationFailure).nonRetryable).not.toBe(true);
    expect(received(k.orderId)).toHaveLength(0);
  });
});

describe('sendEmail to the outbox', () => {
  test('writes one .eml file per email, named by time, order, template and key', async () => {
    const outbox = mkdtempSync(path.join(tmpdir(), 'orders-outbox-'));
    try {
      const outboxMailer = createMailer({ from: 'Orders <orders@example.test>', outboxDir: outbox });
      const { sendEmail } = createEmailActivities({ prisma, mailer: outboxMailer, adminEmail: ADMIN });
      const k = await projectedOrder();
      const request = {
        orderId: k.orderId,
        template: 'admin_provisioning_failed' as const,
        to: { admins: true as const },
        key: `${k.itemId}.1`,
        data: {
          itemId: k.itemId,
          serviceId: k.serviceId,
          productId: k.productId,
          attempt: 1,
          error: 'panel down',
        },
      };
      const before = Date.now();
      expect(await sendEmail(request)).toEqual({ sent: true });
      expect(await sendEmail(request)).toEqual({ sent: false });
      // A second attempt's failure is another email, another file.
      expect(
        await sendEmail({ ...request, key: `${k.itemId}.2`, data: { ...request.data, attempt: 2 } }),
      ).toEqual({
        sent: true,
      });

      const files = readdirSync(outbox).sort();
      expect(files).toHaveLength(2);
      const pattern = new RegExp(
        `^(\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ)_${k.orderId}_admin_provisioning_failed_${k.itemId}\\.[12]\\.eml$`,
      );
      for (const file of files) expect(file).toMatch(pattern);
      const stamp = pattern.exec(files[0]!)![1]!.replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:');
      expect(Date.parse(stamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      const mail = await simpleParser(
        readFileSync(
          path.join(
            outbox,
            files.find((f) => f.endsWith('.1.eml'))!,
          ),
        ),
      );
      expect(mail.messageId).toBe(`<${k.orderId}.admin_provisioning_failed.${k.itemId}.1@orders>`);
      expect(mail.subject).toBe(`Provisioning failed: Hosting S of order ${k.orderId} (Ada)`);
      expect(mail.text).toContain('Error: panel down');
      expect(mail.html).toContain('panel down');
    } finally {
      rmSync(outbox, { recursive: true, force: true });
    }
  });

  test('makes the outbox folder, and makes it again if it is removed meanwhile', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'orders-outbox-'));
    const outbox = path.join(parent, 'nested', 'outbox');
    try {
      const outboxMailer = createMailer({ from: 'Orders <orders@example.test>', outboxDir: outbox });
      const message = (id: string) => ({
        to: 'a@example.test',
        subject: id,
        text: id,
        html: `<p>${id}</p>`,
        messageId: `<${id}@t>`,
        date: new Date('2026-12-02T10:00:00.123Z'),
        name: id,
      });
      await outboxMailer.send(message('first'));
      rmSync(path.join(parent, 'nested'), { recursive: true, force: true });
      await outboxMailer.send(message('second'));
      expect(readdirSync(outbox)).toEqual(['2026-12-02T10-00-00Z_second.eml']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
