-- AlterTable: views of one workflow task share their updatedAt; the ledger revision orders them,
-- so a late retry of an older projection cannot overwrite a newer one
ALTER TABLE "orders" ADD COLUMN "projectionRevision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "service_listings" ADD COLUMN "projectionRevision" INTEGER NOT NULL DEFAULT 0;
