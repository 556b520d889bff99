-- AlterTable: the part of the order an audit entry is about (a checkout service's id), in its own
-- column instead of leading the reason, so the API shows a service's steps as the service's.
ALTER TABLE "audit_entries" ADD COLUMN "subject" TEXT;
