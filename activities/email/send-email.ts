// sendEmail: each (order, template, key) email at most once per order, even under activity retries,
// a worker killed mid-send and concurrent attempts.
//
// Protocol, with email_log's unique (orderId, template) row as the ledger and a lease on it (its
// template column holds `template` or, for an email sent per part of the order, `template/key`):
//   1. claim, in one statement: insert the row, or take it over if it is unsent and its lease has
//      run out, setting claimedUntil = now() + CLAIM_LEASE_SECONDS. Exactly one attempt gets the
//      claim; the statement also says whether the email was sent already.
//   2. the claimant sends, then records messageId and sentAt and drops the lease. Each claim gets
//      a fresh claimToken: an attempt gives back (or marks refused) only its own claim, never one
//      a later attempt took over after its lease ran out.
// No transaction is held open across the send: a lease costs two statements, where a row lock
// held while sending cost five round trips and an interactive transaction (bench/orders).
//
// Crash windows and the chosen semantics:
//   - before the claim: nothing is recorded; the retry claims and sends.
//   - between claim and send: the lease stays until it runs out; the retry is refused (retryable)
//     until then, and then claims and sends: after a crash an email can wait that long.
//   - after the SMTP server accepted the message but before it is recorded: the retry sends again,
//     with the same Message-ID (<orderId.template[.key]@orders>), Date and outbox file name. That is
//     the one window that can deliver twice; mail systems and clients de-duplicate by Message-ID.
//     We prefer this (at least once, de-duplicable) over losing an email (at most once).
//   - after it is recorded: the retry finds messageId set and returns {sent:false}.
// A send that fails gives the lease back at once, so the retry does not wait. Concurrent attempts
// (a retry racing a zombie attempt) find the lease taken and are retried; one message leaves.
// A permanent refusal by the mail server (SMTP 5xx) is recorded on the row (failedAt, lastError)
// and fails the activity for good; the workflow goes on without that email.
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { sqlOf, sqlState } from '../../database/sql';
import type { PrismaClient } from '../../generated/prisma/client';
import { withHeartbeats } from '../activity-context';
import type { EmailActivities, SendEmailRequest } from '../contract';
import { badRequest } from '../errors';
import type { Mailer } from './mailer';
import { loadEmailContext } from './context';
import { isEmailTemplate, renderEmail } from './templates';

export interface EmailDeps {
  prisma: PrismaClient;
  mailer: Mailer;
  /** Where `{ admins: true }` emails go (ADMIN_EMAIL). */
  adminEmail: string;
  /** The API's public address (PUBLIC_API_URL); without it the emails name API paths only. */
  apiUrl?: string;
  log?: Logger;
}

/**
 * How long a claim keeps other attempts off. Longer than a send can take (the mailer's timeouts
 * add up to 50 s), so a lease runs out only on an attempt that died.
 */
export const CLAIM_LEASE_SECONDS = 120;

/** Deterministic per (order, template, key): a resend carries the same Message-ID. */
export function emailMessageId(orderId: string, template: string, key?: string): string {
  return `<${messageIdPart(orderId, /^[A-Za-z0-9_-]+$/)}.${template}${key === undefined ? '' : `.${messageIdPart(key, /^[A-Za-z0-9._-]+$/)}`}@orders>`;
}

// The order id takes no dot (the first dot ends it); the key, last, may have them.
const messageIdPart = (value: string, safe: RegExp): string =>
  safe.test(value) ? value : `x${Buffer.from(value).toString('hex')}`;

/** The email_log row's name: the template, and for an email sent per part of the order its key. */
export const emailLogName = (template: string, key?: string): string =>
  key === undefined ? template : `${template}/${key}`;

export function createEmailActivities(deps: EmailDeps): EmailActivities {
  const { prisma, mailer, adminEmail, apiUrl, log } = deps;
  const sql = sqlOf(prisma);

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
      const key = request.key as unknown;
      if (key !== undefined && (typeof key !== 'string' || !/^[\w.:-]{1,200}$/.test(key))) {
        throw badRequest('sendEmail', 'key must be 1-200 letters, digits or ._:- when given');
      }
      const data: unknown = request.data;
      if (data !== undefined && (data === null || typeof data !== 'object' || Array.isArray(data))) {
        throw badRequest('sendEmail', 'data must be an object when given');
      }
      // Rendered before the claim, from the order's projection: a request that cannot be
      // rendered leaves no claim behind.
      const context = await loadEmailContext(
        sql,
        orderId,
        admins ? { admins: adminEmail } : { partyId: partyId! },
      );
      if (!context) throw new Error(`sendEmail: order ${orderId} is not projected yet`);
      const rendered = renderEmail(template, { ...context, apiUrl }, request.data, key);
      const logName = emailLogName(template, key);

      // Raw SQL, and as few statements as the protocol allows: a Prisma model query costs the
      // worker about a millisecond of CPU to plan, more than the query itself (bench/orders).
      // 1. claim, and read whether it was sent and the party's address. A missing order row fails
      //    on the foreign key: retryable, the projection comes first. The subquery on email_log
      //    reads the statement's snapshot: a send recorded meanwhile by another attempt shows as
      //    "claimed elsewhere", which is retried and then answers sent:false.
      const [state] = await sql
        .rows<{
          recipient: string | null;
          claim: string | null;
          claimedFirst: Date | null;
          messageId: string | null;
        }>(
          `WITH r AS (SELECT COALESCE($3, (SELECT "email" FROM "parties" WHERE "id" = $4)) AS "recipient"),
           claim AS (
             INSERT INTO "email_log" ("id", "orderId", "template", "recipient", "claimedUntil", "claimToken")
             SELECT gen_random_uuid()::text, $1, $2, r."recipient", now() + make_interval(secs => $5),
               gen_random_uuid()::text
             FROM r WHERE r."recipient" IS NOT NULL
             ON CONFLICT ("orderId", "template") DO UPDATE
               SET "recipient" = EXCLUDED."recipient", "claimedUntil" = EXCLUDED."claimedUntil",
                 "claimToken" = EXCLUDED."claimToken"
               WHERE "email_log"."messageId" IS NULL
                 AND ("email_log"."claimedUntil" IS NULL OR "email_log"."claimedUntil" <= now())
             RETURNING "claimToken", "sentAt")
           SELECT r."recipient", (SELECT "claimToken" FROM claim) AS "claim",
             (SELECT "sentAt" FROM claim) AS "claimedFirst",
             (SELECT "messageId" FROM "email_log" WHERE "orderId" = $1 AND "template" = $2) AS "messageId"
           FROM r`,
          orderId,
          logName,
          admins ? adminEmail : null,
          partyId,
          CLAIM_LEASE_SECONDS,
        )
        .catch((error: unknown) => {
          if (sqlState(error) !== '23503') throw error;
          throw new Error(`sendEmail: order ${orderId} is not projected yet`, { cause: error });
        });
      if (state?.messageId && !state.claim) return { sent: false };
      // Retryable: the order's projection creates its parties (placeholders at least).
      if (!state?.recipient) throw new Error(`sendEmail: party ${partyId} does not exist (yet)`);
      if (!state.claim) {
        throw new Error(
          `sendEmail: ${logName} for order ${orderId} is being sent by another attempt; ` +
            `retried once it is sent or its ${CLAIM_LEASE_SECONDS} s claim runs out`,
        );
      }
      const recipient = state.recipient;
      // "sentAt" holds the first claim's time until the send is recorded: a resend carries the
      // same Date and outbox file name as the first attempt.
      const message = {
        to: recipient,
        ...rendered,
        messageId: emailMessageId(orderId, template, key),
        date: state.claimedFirst ?? new Date(),
        name: `${orderId}_${template}${key === undefined ? '' : `_${key}`}`,
      };

      // 2. send, then record it
      try {
        await withHeartbeats(mailer.send(message), { orderId, template });
      } catch (error) {
        const refusal = permanentRefusal(error);
        // Given back so that a retry sends at once instead of waiting for the lease; a refusal for
        // good is recorded (failedAt, lastError) so that admins see which email never left.
        await sql
          .execute(
            `UPDATE "email_log" SET "claimedUntil" = NULL, "claimToken" = NULL,
               "failedAt" = CASE WHEN $3::text IS NULL THEN "failedAt" ELSE now() END,
               "lastError" = COALESCE($3::text, "lastError")
             WHERE "orderId" = $1 AND "template" = $2 AND "messageId" IS NULL AND "claimToken" = $4`,
            orderId,
            logName,
            refusal?.message ?? null,
            state.claim,
          )
          .catch((e: unknown) =>
            log?.warn({ err: e, orderId, template }, 'could not release an email claim'),
          );
        if (refusal) log?.warn({ orderId, template, to: recipient, error: refusal.message }, 'email refused');
        throw refusal ?? error;
      }
      await sql.execute(
        `UPDATE "email_log" SET "messageId" = $3, "recipient" = $4, "sentAt" = now(), "claimedUntil" = NULL,
           "claimToken" = NULL,
           "failedAt" = NULL, "lastError" = NULL
         WHERE "orderId" = $1 AND "template" = $2`,
        orderId,
        logName,
        message.messageId,
        recipient,
      );
      log?.info({ orderId, template, to: recipient, messageId: message.messageId }, 'email sent');
      return { sent: true };
    },
  };
}

/**
 * An SMTP 5xx answer (e.g. the recipient rejected) will not change on retry: a non-retryable
 * failure, which the workflow records and goes past. Except 530-539, authentication and
 * configuration answers: an operator fixes the credentials and the retries then get through.
 * Null for anything else (network, timeouts, 4xx): retried.
 */
function permanentRefusal(error: unknown): ApplicationFailure | null {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  if (typeof code !== 'number' || code < 500 || code >= 600 || (code >= 530 && code < 540)) return null;
  return ApplicationFailure.nonRetryable(
    `sendEmail: the mail server refused the message permanently: ${(error as Error).message}`,
    'EmailRefused',
  );
}
