-- AlterTable: sendEmail's claim becomes a lease instead of a row lock held while sending
ALTER TABLE "email_log" ADD COLUMN "claimedUntil" TIMESTAMPTZ(3);
