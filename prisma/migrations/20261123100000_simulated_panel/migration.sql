-- CreateTable
CREATE TABLE "simulated_panel_accounts" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "simulated_panel_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "simulated_panel_accounts_accountId_key" ON "simulated_panel_accounts"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "simulated_panel_accounts_kind_idempotencyKey_key" ON "simulated_panel_accounts"("kind", "idempotencyKey");
