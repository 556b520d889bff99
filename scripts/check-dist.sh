#!/usr/bin/env bash
# Checks the compiled build as the image runs it, where Docker cannot build the image: dist/ with
# production dependencies only (`npm ci --omit=dev --omit=optional --ignore-scripts`, as the
# Dockerfile's runtime stage) in a scratch folder, against a PostgreSQL server (DATABASE_URL's) and
# the project's Temporal-compatible server; the migration, a worker and the API as compose runs
# them, one checkout order placed through the API, and the three metrics endpoints scraped.
#
#   npm run build:dist && DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres scripts/check-dist.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?a PostgreSQL server URL (a database check_dist_<pid> is created on it and dropped)}"
work="$(mktemp -d)"
db="check_dist_$$"
admin_url="$DATABASE_URL"
app_url="${DATABASE_URL%/*}/$db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  node -e "const {Client}=require('$work/node_modules/pg');const c=new Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('DROP DATABASE IF EXISTS $db WITH (FORCE)')).finally(()=>c.end())" "$admin_url" || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== production install of dist/ in $work"
cp -r "$root/package.json" "$root/package-lock.json" "$root/dist" "$work/"
(cd "$work" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
for dev in jest eslint typescript tsx ts-jest prettier prisma; do
  if [ -e "$work/node_modules/$dev" ]; then echo "dev dependency in the production install: $dev"; exit 1; fi
done
echo "no dev dependency installed (jest, eslint, typescript, tsx, ts-jest, prettier, prisma)"

node -e "const {Client}=require('$work/node_modules/pg');const c=new Client({connectionString:process.argv[1]});c.connect().then(()=>c.query('CREATE DATABASE $db')).finally(()=>c.end())" "$admin_url"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
temporal_port=$(free_port); api_port=$(free_port); api_metrics=$(free_port); worker_metrics=$(free_port); runtime_metrics=$(free_port)

echo "== Temporal (the project's server) on $temporal_port"
"$root/bin/temporal-devserver" server start-dev --port "$temporal_port" --headless \
  --search-attribute OrderStatus=Keyword --search-attribute OrderKind=Keyword --search-attribute CustomerId=Keyword \
  >"$work/temporal.log" 2>&1 &
pids+=($!)

export DATABASE_URL="$app_url" TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" LOG_FORMAT=json DATA_DIR="$work/data"
cd "$work"
echo "== migrate: node dist/prisma/migrate.js"
node dist/prisma/migrate.js

echo "== worker: node dist/worker/main.js"
METRICS_PORT=$worker_metrics WORKER_METRICS_PORT=$runtime_metrics node dist/worker/main.js >"$work/worker.log" 2>&1 &
pids+=($!)
key="check-dist-admin-key-$$-0123456789"
echo "== api: node dist/start/api.js"
PORT=$api_port METRICS_PORT=$api_metrics BOOTSTRAP_ADMIN_KEY=$key node dist/start/api.js >"$work/api.log" 2>&1 &
pids+=($!)

wait_for() { for _ in $(seq 1 120); do if eval "$1"; then return 0; fi; sleep 0.5; done; echo "timed out: $2"; cat "$work"/*.log; exit 1; }
wait_for "grep -q '\"msg\":\"worker started\"' '$work/worker.log'" "worker started"
grep -o '"workflowBundle":"[^"]*"' "$work/worker.log"
wait_for "curl -sf http://127.0.0.1:$api_port/health/ready >/dev/null" "api ready"
echo "api /health/ready: $(curl -s http://127.0.0.1:$api_port/health/ready)"

api() { curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
client_key=$(api -X POST "http://127.0.0.1:$api_port/principals" -d '{"role":"client","subjectId":"check-client","name":"Check"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).key')
api -X POST "http://127.0.0.1:$api_port/products" \
  -d '{"id":"check-hosting","name":"Hosting","type":"hosting","priceCents":700,"currency":"USD","billingCycle":"monthly"}' >/dev/null
order=$(curl -sf -H "Authorization: Bearer $client_key" -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$api_port/orders" \
  -d '{"kind":"checkout","items":[{"productId":"check-hosting"}]}')
echo "order: $(node -pe 'const o=JSON.parse(process.argv[1]);`${o.id} ${o.status}`' "$order")"

echo "== metrics"
wait_for "curl -sf http://127.0.0.1:$worker_metrics/metrics | grep -q '^orders_emails_sent_total{template=\"order_confirmation\"} 1'" "worker product metrics"
curl -s "http://127.0.0.1:$api_metrics/metrics" | grep -E '^(orders_created_total|http_requests_total\{method="POST",route="/orders")'
curl -s "http://127.0.0.1:$worker_metrics/metrics" | grep -E '^(orders_emails_sent_total|orders_transitions_total|orders_activity_executions_total)'
curl -s "http://127.0.0.1:$runtime_metrics/metrics" | grep -E '^temporal_(workflow_task_execution_latency_count|activity_execution_latency_count|worker_task_slots_available)' | head -6
echo "OK: the compiled build runs on production dependencies"
