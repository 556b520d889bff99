-- CreateTable: a payment reference identifies one payment, so it pays one invoice. The API claims
-- the reference for its order before signalling the payment; a second order is refused (409).
CREATE TABLE "payment_references" (
    "reference" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_references_pkey" PRIMARY KEY ("reference")
);

-- CreateIndex
CREATE INDEX "payment_references_orderId_idx" ON "payment_references"("orderId");

-- Backfill: references of invoices paid before the claim existed belong to their orders.
INSERT INTO "payment_references" ("reference", "orderId", "createdAt")
SELECT "paymentReference", "orderId", COALESCE("paidAt", "updatedAt") FROM "invoices"
WHERE "paymentReference" IS NOT NULL
ON CONFLICT ("reference") DO NOTHING;
