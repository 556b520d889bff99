-- CreateTable: an order (or listing) whose projection failed for good. The row says which and why,
-- so the divergence between the workflow and the projection is visible (the order's GET, /health)
-- instead of silent; the next projection that stores the order removes it.
CREATE TABLE "projection_failures" (
    "orderId" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "failedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projection_failures_pkey" PRIMARY KEY ("orderId")
);
