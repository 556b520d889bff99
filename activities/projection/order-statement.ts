// An order view as ONE SQL statement: placeholders, the order row, items, invoice, services and
// audit entries in a single round trip (a statement is atomic on its own, so no transaction and
// no row read back). The projection runs several times per order on every worker, and issuing
// the same writes as a dozen separate Prisma queries inside an interactive transaction cost the
// worker more CPU than the whole Temporal SDK did for the order.
//
// How the guarantees of project-order.ts hold inside one statement:
// - Freshness: the order row is upserted with `ON CONFLICT DO UPDATE ... WHERE (stored.updatedAt,
//   stored.projectionRevision) <= (view.updatedAt, view.revision)` (views of one workflow task
//   share their updatedAt; the ledger revision orders them); that takes the row lock (a concurrent
//   projection of the same order waits for it) and returns the row only when the view is current.
//   Invoice and services are written only when it returned (`current`); audit entries always (they
//   are immutable).
// - Merges with what the provisioning activity recorded (attempts, account id, last error) are
//   computed in `ON CONFLICT DO UPDATE SET`, which sees the latest committed row, not the
//   statement's snapshot.
// - Ids another order already uses (items, invoice, payment reference) are scoped with this
//   order's id, as before. An item is inserted with `ON CONFLICT DO UPDATE ... WHERE it is ours`,
//   which returns it only when it is this order's (a concurrent attempt of the same order
//   included), otherwise the scoped id is used: races with other orders still give one row each.
// - Foreign keys are checked at the end of the statement, so placeholder rows inserted by an
//   earlier part of it satisfy them.
export const PROJECT_ORDER_SQL = `
WITH
v AS (SELECT $2::jsonb AS j),
parties_in AS (
  INSERT INTO "parties" ("id", "kind", "name", "email")
  SELECT p."id", p."kind", p."name", p."email"
  FROM v, jsonb_to_recordset(v.j->'parties') AS p("id" text, "kind" text, "name" text, "email" text)
  ON CONFLICT ("id") DO NOTHING
),
products_in AS (
  INSERT INTO "products" ("id", "name", "type", "priceCents", "currency", "billingCycle")
  SELECT p."id", p."name", p."type", p."priceCents", p."currency", p."billingCycle"
  FROM v, jsonb_to_recordset(v.j->'products')
    AS p("id" text, "name" text, "type" text, "priceCents" int, "currency" text, "billingCycle" text)
  ON CONFLICT ("id") DO NOTHING
),
listing_in AS (
  INSERT INTO "service_listings" ("id", "isvId", "name", "status")
  SELECT v.j->>'listingId', v.j->'order'->>'isvId', v.j->>'listingId', 'online'
  FROM v WHERE (v.j->>'listingPlaceholder')::boolean
  ON CONFLICT ("id") DO NOTHING
),
o AS (SELECT * FROM v, jsonb_populate_record(NULL::"orders", v.j->'order')),
up_order AS (
  INSERT INTO "orders" ("id", "kind", "status", "statusReason", "previousStatus", "approvalRoute",
    "clientId", "isvId", "merchantId", "salespersonId", "customerId", "listingId", "totalCents",
    "currency", "activateAt", "expiresAt", "archived", "archivedAt", "createdAt", "updatedAt",
    "projectionRevision")
  SELECT $1, o."kind", o."status", o."statusReason", o."previousStatus", o."approvalRoute",
    o."clientId", o."isvId", o."merchantId", o."salespersonId", o."customerId",
    CASE WHEN (o.j->>'listingPlaceholder')::boolean THEN o.j->>'listingId'
      ELSE (SELECT l."id" FROM "service_listings" l WHERE l."id" = o.j->>'listingId') END,
    o."totalCents", o."currency", o."activateAt", o."expiresAt", o."archived",
    CASE WHEN o."archived" THEN o."updatedAt" END, o."createdAt", o."updatedAt", o."projectionRevision"
  FROM o
  ON CONFLICT ("id") DO UPDATE SET
    "kind" = EXCLUDED."kind", "status" = EXCLUDED."status",
    "statusReason" = EXCLUDED."statusReason", "previousStatus" = EXCLUDED."previousStatus",
    "approvalRoute" = EXCLUDED."approvalRoute", "clientId" = EXCLUDED."clientId",
    "isvId" = EXCLUDED."isvId", "merchantId" = EXCLUDED."merchantId",
    "salespersonId" = EXCLUDED."salespersonId", "customerId" = EXCLUDED."customerId",
    "listingId" = EXCLUDED."listingId", "totalCents" = EXCLUDED."totalCents",
    "currency" = EXCLUDED."currency", "activateAt" = EXCLUDED."activateAt",
    "expiresAt" = EXCLUDED."expiresAt", "archived" = EXCLUDED."archived",
    -- the first projection that shows it archived dates it
    "archivedAt" = CASE WHEN EXCLUDED."archived"
      THEN COALESCE("orders"."archivedAt", EXCLUDED."updatedAt") END,
    "updatedAt" = EXCLUDED."updatedAt", "projectionRevision" = EXCLUDED."projectionRevision"
  WHERE ("orders"."updatedAt", "orders"."projectionRevision")
    <= (EXCLUDED."updatedAt", EXCLUDED."projectionRevision")
  RETURNING "id"
),
items_owned AS MATERIALIZED (
  -- The order that holds each id, looked up by primary key. A scalar subquery, not EXISTS: the
  -- planner, counting on 100 rows from jsonb_to_recordset, turned EXISTS into a hash of every
  -- stored item's id per call, a cost that grew with each order (materialized: one lookup per
  -- item rather than one per use of its result).
  SELECT r.*, (SELECT x."orderId" FROM "order_items" x WHERE x."id" = r."id") AS "owner"
  FROM v, jsonb_to_recordset(v.j->'items')
    AS r("id" text, "productId" text, "quantity" int, "unitPriceCents" int)
),
items_in AS (
  SELECT i."id", i."productId", i."quantity", i."unitPriceCents", $1 || ':' || i."id" AS "scopedId",
    COALESCE(i."owner" = $1, false) AS "ours", COALESCE(i."owner" <> $1, false) AS "taken"
  FROM items_owned i
),
items_plain AS (
  INSERT INTO "order_items" ("id", "orderId", "productId", "quantity", "unitPriceCents")
  SELECT i."id", $1, i."productId", i."quantity", i."unitPriceCents"
  FROM items_in i WHERE NOT i."ours" AND NOT i."taken"
  ON CONFLICT ("id") DO UPDATE SET "orderId" = EXCLUDED."orderId"
  WHERE "order_items"."orderId" = EXCLUDED."orderId"
  RETURNING "id"
),
item_ids AS (
  SELECT i."id",
    CASE WHEN i."ours" OR i."id" IN (SELECT "id" FROM items_plain) THEN i."id"
      ELSE i."scopedId" END AS "stored",
    i."productId", i."quantity", i."unitPriceCents"
  FROM items_in i
),
items_scoped AS (
  INSERT INTO "order_items" ("id", "orderId", "productId", "quantity", "unitPriceCents")
  SELECT s."stored", $1, s."productId", s."quantity", s."unitPriceCents"
  FROM item_ids s WHERE s."stored" <> s."id"
  ON CONFLICT ("id") DO NOTHING
),
invoice_in AS (
  INSERT INTO "invoices" ("id", "orderId", "status", "amountCents", "currency", "dueAt", "paidAt",
    "paidAmountCents", "paymentReference", "updatedAt")
  SELECT
    CASE WHEN EXISTS (SELECT 1 FROM "invoices" x WHERE x."id" = n."id" AND x."orderId" <> $1)
      THEN $1 || ':' || n."id" ELSE n."id" END,
    $1, n."status", n."amountCents", n."currency", n."dueAt", n."paidAt", n."paidAmountCents",
    CASE WHEN n."paymentReference" IS NULL OR n."paymentReference" = '' THEN NULL
      WHEN EXISTS (SELECT 1 FROM "invoices" x
        WHERE x."paymentReference" = n."paymentReference" AND x."orderId" <> $1)
      THEN n."paymentReference" || '#' || $1
      ELSE n."paymentReference" END,
    o."updatedAt"
  FROM o, jsonb_to_record(o.j->'invoice') AS n("id" text, "status" text, "amountCents" int,
    "currency" text, "dueAt" timestamptz, "paidAt" timestamptz, "paidAmountCents" int,
    "paymentReference" text)
  WHERE jsonb_typeof(o.j->'invoice') = 'object' AND EXISTS (SELECT 1 FROM up_order)
  ON CONFLICT ("orderId") DO UPDATE SET
    "status" = EXCLUDED."status", "amountCents" = EXCLUDED."amountCents",
    "currency" = EXCLUDED."currency", "dueAt" = EXCLUDED."dueAt", "paidAt" = EXCLUDED."paidAt",
    "paidAmountCents" = EXCLUDED."paidAmountCents",
    "paymentReference" = EXCLUDED."paymentReference", "updatedAt" = EXCLUDED."updatedAt"
),
services_src AS (
  SELECT s.*, m."stored"
  FROM o, jsonb_to_recordset(o.j->'services') AS s("id" text, "itemId" text, "productId" text,
      "status" text, "externalAccountId" text, "lastError" text, "lastErrorSet" boolean,
      "attempts" int, "live" boolean)
    JOIN item_ids m ON m."id" = s."itemId"
),
services_in AS (
  INSERT INTO "services" ("id", "orderId", "orderItemId", "productId", "status",
    "externalAccountId", "lastError", "attempts", "activatedAt", "updatedAt")
  SELECT s."id", $1, s."stored", s."productId", s."status", s."externalAccountId", s."lastError",
    s."attempts", CASE WHEN s."live" THEN o."updatedAt" END, o."updatedAt"
  FROM o, services_src s
  WHERE EXISTS (SELECT 1 FROM up_order)
  ON CONFLICT ("orderItemId") DO UPDATE SET
    "status" = EXCLUDED."status",
    -- never forget an account id, an error or attempts the provisioning activity recorded
    "externalAccountId" = COALESCE(EXCLUDED."externalAccountId", "services"."externalAccountId"),
    "lastError" = CASE
      WHEN (SELECT x."lastErrorSet" FROM services_src x WHERE x."stored" = EXCLUDED."orderItemId")
        THEN EXCLUDED."lastError"
      WHEN EXCLUDED."activatedAt" IS NOT NULL THEN NULL
      ELSE "services"."lastError" END,
    "attempts" = GREATEST("services"."attempts", EXCLUDED."attempts"),
    "activatedAt" = CASE WHEN EXCLUDED."activatedAt" IS NOT NULL
      THEN COALESCE("services"."activatedAt", EXCLUDED."activatedAt")
      ELSE "services"."activatedAt" END,
    "updatedAt" = EXCLUDED."updatedAt"
),
-- the order is stored again: a failure recorded for it earlier is over
failure_cleared AS (
  DELETE FROM "projection_failures" WHERE "orderId" = $1 AND EXISTS (SELECT 1 FROM up_order)
),
audit_in AS (
  INSERT INTO "audit_entries" ("id", "orderId", "sequence", "fromStatus", "toStatus", "action",
    "actorRole", "actorId", "reason", "subject", "outcome", "at")
  SELECT gen_random_uuid()::text, $1, a."sequence", a."fromStatus", a."toStatus", a."action",
    a."actorRole", a."actorId", a."reason", a."subject", a."outcome", a."at"
  FROM v, jsonb_to_recordset(v.j->'audit') AS a("sequence" int, "fromStatus" text,
    "toStatus" text, "action" text, "actorRole" text, "actorId" text, "reason" text,
    "subject" text, "outcome" text, "at" timestamptz)
  ON CONFLICT ("orderId", "sequence") DO NOTHING
)
SELECT EXISTS (SELECT 1 FROM up_order) AS "written"
`;
