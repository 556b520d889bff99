-- AlterTable: each email claim carries a token, so an attempt whose lease ran out cannot give
-- back a claim that a later attempt has taken over
ALTER TABLE "email_log" ADD COLUMN "claimToken" TEXT;
