-- AlterTable: an email the mail server refused for good is recorded instead of blocking its order
ALTER TABLE "email_log" ADD COLUMN "failedAt" TIMESTAMPTZ(3),
ADD COLUMN "lastError" TEXT;
