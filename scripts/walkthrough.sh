#!/usr/bin/env bash
# The README's walk-through, runnable: `bash scripts/walkthrough.sh` on `npm start`, after pasting
# the `export` lines its banner prints (API, TEMPORAL_ADDRESS and the demo keys). Needs curl, jq.
# test/start/walkthrough.e2e.test.ts runs it, so the README's steps cannot drift from the product.
set -euo pipefail

post() { curl -s -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "$API$2"; }
get() { curl -s -H "Authorization: Bearer $1" "$API$2"; }
# Timers and activities run after the request that started them: wait (up to 30 s) until the
# jq expression on the resource gives the expected value.
await_value() { # key path jq-expression expected
  for _ in $(seq 1 60); do
    [ "$(get "$1" "$2" | jq -r "$3")" = "$4" ] && { echo "$4"; return 0; }
    sleep 0.5
  done
  echo "timed out waiting for $3 of $2 to be $4" >&2
  return 1
}
await_status() { await_value "$1" "$2" .status "$3"; }

# Checkout (seed 002): order -> pending with an unpaid invoice -> pay -> admin approve -> active,
# CreateAccount per hosting service; emails (docs/emails.md) to DATA_DIR/outbox, or SMTP_URL
PRODUCT=$(get "$CLIENT" /products | jq -r '.data[] | select(.type=="hosting") | .id' | head -1)
ORDER=$(post "$CLIENT" /orders "{\"kind\":\"checkout\",\"items\":[{\"productId\":\"$PRODUCT\"}]}")
ID=$(jq -r .id <<<"$ORDER")
AMOUNT=$(jq .invoice.amountCents <<<"$ORDER")
echo "checkout created: $(jq -r '.status + ", invoice " + .invoice.status' <<<"$ORDER")"
echo "checkout paid: $(post "$CLIENT" "/orders/$ID/actions/pay" "{\"amountCents\":$AMOUNT,\"reference\":\"pay-$ID\"}" | jq -r '.status + ", invoice " + .invoice.status')"
echo "checkout approved: $(post "$ADMIN" "/orders/$ID/actions/approve" '{}' | jq -r .status)"
echo "checkout services: $(await_value "$CLIENT" "/orders/$ID" '[.services[].status] | join(",")' active)"
echo "checkout cancel refused: $(post "$CLIENT" "/orders/$ID/actions/cancel" '{}' | jq -r '.status|tostring')"

# Invoice expiry: an unpaid order, the embedded server's clock skipped past its due date
UNPAID=$(post "$CLIENT" /orders "{\"kind\":\"checkout\",\"items\":[{\"productId\":\"$PRODUCT\"}]}" | jq -r .id)
npx tsx start/skip-time.ts 8d >/dev/null
echo "unpaid checkout after 8 days: $(await_status "$CLIENT" "/orders/$UNPAID" cancelled)"

# Sales order (seed 001): draft -> awaiting customer approval -> approved -> scheduled -> activated
SALE=$(post "$SALES" /orders "{\"kind\":\"sales\",\"customerId\":\"$CUSTOMER_ID\",\"items\":[{\"productId\":\"$PRODUCT\"}],\"activateAt\":\"2030-01-01T00:00:00Z\"}" | jq -r .id)
echo "sales sent: $(post "$SALES" "/orders/$SALE/actions/send_for_customer_approval" '{}' | jq -r .status)"
echo "sales approved: $(post "$CUSTOMER" "/orders/$SALE/actions/approve" '{}' | jq -r .status)"
npx tsx start/skip-time.ts 4000d >/dev/null
echo "sales after activateAt: $(await_status "$SALES" "/orders/$SALE" activated)"

# ISV service order (seed 000): listing draft -> pending_review -> online; order new_order ->
# pending_confirmation -> in_development -> under_approval -> completed
LISTING=$(post "$ISV" /listings '{"name":"Mini program build","priceCents":50000}' | jq -r .id)
echo "listing submitted: $(post "$ISV" "/listings/$LISTING/actions/submit" '{}' | jq -r .status)"
echo "listing approved: $(post "$ADMIN" "/listings/$LISTING/actions/approve" '{}' | jq -r .status)"
SO=$(post "$MERCHANT" /orders "{\"kind\":\"service\",\"listingId\":\"$LISTING\"}" | jq -r .id)
echo "service accepted: $(post "$ISV" "/orders/$SO/actions/accept" '{}' | jq -r .status)"
echo "service confirmed: $(post "$MERCHANT" "/orders/$SO/actions/confirm" '{}' | jq -r .status)"
echo "service submitted: $(post "$ISV" "/orders/$SO/actions/submit" '{}' | jq -r .status)"
echo "service approved: $(post "$MERCHANT" "/orders/$SO/actions/approve" '{}' | jq -r .status)"
