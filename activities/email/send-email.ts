// sendEmail: each (order, template) email at most once per order, even under activity retries,
// a worker killed mid-send and concurrent attempts.
//
// Protocol, with email_log's unique (orderId, template) row as the ledger:
//   1. claim: insert the row (ON CONFLICT DO NOTHING) with messageId NULL = "claimed, not sent".
//      The claim is committed on its own, so a crashed attempt leaves a visible trace.
//   2. in one transaction: lock the row (SELECT ... FOR UPDATE); if messageId is set, it was
//      sent: return {sent:false}. Otherwise send, set messageId and sentAt, commit.
//
// Crash windows and the chosen semantics:
//   - before the claim, or between claim and send: the row stays unsent and unlocked (Postgres
//     rolls back the dead session's transaction and frees the lock), so the retry sends.
//   - after the SMTP server accepted the message but before the commit: the retry sends again,
//     with the same Message-ID (<orderId.template@orders>) and the same rendered text. That is
//     the one window that can deliver twice; mail systems and clients de-duplicate by Message-ID.
//     We prefer this (at least once, de-duplicable) over losing an email (at most once).
//   - after the commit: the retry finds messageId set and returns {sent:false}.
// Concurrent attempts (a retry racing a zombie attempt) queue on the row lock; the second one
// finds the row sent and returns {sent:false}, so exactly one message leaves.
// The transaction is held while the message is sent: SMTP timeouts are kept short (mailer.ts)
// and below the transaction timeout.
import type { Logger } from 'pino';
import type { PrismaClient } from '../../generated/prisma/client';
import { withHeartbeats } from '../activity-context';
import type { EmailActivities, SendEmailRequest } from '../contract';
import { badRequest } from '../errors';
import type { Mailer } from './mailer';
import { isEmailTemplate, renderEmail } from './templates';

export interface EmailDeps {
  prisma: PrismaClient;
  mailer: Mailer;
  /** Where `{ admins: true }` emails go (ADMIN_EMAIL). */
  adminEmail: string;
  log?: Logger;
}

/** Must exceed the mailer's own timeouts, so a slow send fails in the mailer, not in Prisma. */
const SEND_TRANSACTION = { maxWait: 30_000, timeout: 120_000 } as const;

/** Deterministic per (order, template): a resend carries the same Message-ID. */
export function emailMessageId(orderId: string, template: string): string {
  const safe = /^[A-Za-z0-9._-]+$/.test(orderId) ? orderId : `x${Buffer.from(orderId).toString('hex')}`;
  return `<${safe}.${template}@orders>`;
}

export function createEmailActivities(deps: EmailDeps): EmailActivities {
  const { prisma, mailer, adminEmail, log } = deps;

  return {
    async sendEmail(request: SendEmailRequest): Promise<{ sent: boolean }> {
      if (request === null || typeof request !== 'object')
        throw badRequest('sendEmail', 'request must be an object');
      const { orderId, template } = request;
      if (typeof orderId !== 'string' || orderId === '') {
        throw badRequest('sendEmail', 'orderId must be a non-empty string');
      }
      if (!isEmailTemplate(template)) throw badRequest('sendEmail', `unknown template "${String(template)}"`);
      const to = request.to as Partial<{ admins: unknown; partyId: unknown }> | null;
      if (to === null || typeof to !== 'object') {
        throw badRequest('sendEmail', 'to must be { partyId } or { admins: true }');
      }
      const admins = 'admins' in to && to.admins === true;
      const partyId = !admins && typeof to.partyId === 'string' && to.partyId !== '' ? to.partyId : null;
      if (!admins && partyId === null)
        throw badRequest('sendEmail', 'to must be { partyId } or { admins: true }');

      // Raw SQL, and as few statements as the protocol allows: a Prisma model query costs the
      // worker about a millisecond of CPU to plan, more than the query itself (bench/orders).
      // 1. claim (ON CONFLICT DO NOTHING: a sent or claimed row stays as it is) and, in the same
      //    statement, read whether it was sent and the party's address. A missing order row fails
      //    on the foreign key: retryable, the projection comes first.
      const [state] = await prisma
        .$queryRawUnsafe<{ messageId: string | null; recipient: string | null }[]>(
          `WITH r AS (SELECT COALESCE($3, (SELECT "email" FROM "parties" WHERE "id" = $4)) AS "recipient"),
           claim AS (
             INSERT INTO "email_log" ("id", "orderId", "template", "recipient")
             SELECT gen_random_uuid()::text, $1, $2, r."recipient" FROM r WHERE r."recipient" IS NOT NULL
             ON CONFLICT ("orderId", "template") DO NOTHING)
           SELECT (SELECT "messageId" FROM "email_log" WHERE "orderId" = $1 AND "template" = $2) AS "messageId",
             r."recipient" FROM r`,
          orderId,
          template,
          admins ? adminEmail : null,
          partyId,
        )
        .catch((error: unknown) => {
          if (postgresCode(error) !== '23503') throw error;
          throw new Error(`sendEmail: order ${orderId} is not projected yet`, { cause: error });
        });
      if (state?.messageId) return { sent: false };
      // Retryable: the order's projection creates its parties (placeholders at least).
      if (!state?.recipient) throw new Error(`sendEmail: party ${partyId} does not exist (yet)`);
      const recipient = state.recipient;
      const message = {
        to: recipient,
        ...renderEmail(template, orderId, request.data),
        messageId: emailMessageId(orderId, template),
      };

      // 2. lock, send, mark sent
      const sent = await prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ messageId: string | null }[]>(
          `SELECT "messageId" FROM "email_log" WHERE "orderId" = $1 AND "template" = $2 FOR UPDATE`,
          orderId,
          template,
        );
        if (rows[0]?.messageId) return false;
        try {
          await withHeartbeats(mailer.send(message), { orderId, template });
        } catch (error) {
          throw permanentOrRetryable(error);
        }
        await tx.$executeRawUnsafe(
          `UPDATE "email_log" SET "messageId" = $3, "recipient" = $4, "sentAt" = now()
           WHERE "orderId" = $1 AND "template" = $2`,
          orderId,
          template,
          message.messageId,
          recipient,
        );
        return true;
      }, SEND_TRANSACTION);

      if (sent) log?.info({ orderId, template, to: recipient, messageId: message.messageId }, 'email sent');
      return { sent };
    },
  };
}

/** The Postgres error code (SQLSTATE) of a failed raw query, if it has one. */
function postgresCode(error: unknown): unknown {
  return (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta
    ?.driverAdapterError?.cause?.originalCode;
}

/** An SMTP 5xx answer (e.g. recipient rejected) will not change on retry; anything else may. */
function permanentOrRetryable(error: unknown): unknown {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  if (typeof code === 'number' && code >= 500 && code < 600) {
    return badRequest(
      'sendEmail',
      `the mail server refused the message permanently: ${(error as Error).message}`,
    );
  }
  return error;
}
