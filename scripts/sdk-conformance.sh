#!/usr/bin/env bash
# Runs the official TypeScript SDK's own tests (sdk-typescript's packages/test) against
# bin/temporal-devserver, unchanged, in both launch forms of the official testing API.
#
#   scripts/sdk-conformance.sh SDK_TEST_DIR [--form as-written|test-server|both] [--scratch DIR]
#                              [--match TITLE] [--file-timeout SECONDS] [test-file ...]
#
# SDK_TEST_DIR is a checkout of sdk-typescript's packages/test (its sibling packages/test-helpers is
# used too when the tests import @temporalio/test-helpers). It is not fetched here: the harness only
# installs from npm, the @temporalio/* packages at the version this project uses.
# Test files are names in SDK_TEST_DIR/src (test-integration-update.ts, or test-integration-update);
# none given: every test-*.ts (long: prefer a few at a time on a shared machine).
#
# Forms (--form, default both):
#   as-written   each test launches the server as it asks: createLocal as `server start-dev --port P`,
#                createTimeSkipping as the test server's `PORT` form.
#   test-server  createLocal's server launched in the test server's `PORT [flags]` form too, so the
#                tests written for the dev server also run against that launch form.
# Both are routed to bin/temporal-devserver by a preload that gives TestWorkflowEnvironment's
# createLocal / createTimeSkipping an `existing-path` executable when the test names none (as
# test/helpers/temporal.ts does); no test source is changed.
#
# Tests that connect to localhost:7233 without a TestWorkflowEnvironment (as the SDK's CI runs them
# beside a `temporal server start-dev`) get a fresh bin/temporal-devserver there for each file, in
# the form being checked: the port must be free.
# Output: SCRATCH/results/<form>/<file>.tap (ava's TAP) and .log (stderr), and per file and form a
# line `<form> <file>: N passed, N failed, N skipped, N todo`; the script's last line sums them.
# Each file runs alone, its tests one at a time (ava --serial --concurrency=1) under nice: the
# SDK's suite spawns many servers and workers. A file still running after --file-timeout (900 s) is
# stopped (ava's own timeout misses a test whose activity retries forever): its unfinished tests
# count as failed, and `--match '!TITLE'` leaves such a test out of a second run.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
devserver="$root/bin/temporal-devserver"
scratch="${TMPDIR:-/tmp}/sdk-harness"
form=both
match=()
file_timeout=900
files=()
sdk_test=""
while [ $# -gt 0 ]; do
  case "$1" in
  --form) form="$2"; shift 2 ;;
  --scratch) scratch="$2"; shift 2 ;;
  --match) match+=(--match "$2"); shift 2 ;;
  --file-timeout) file_timeout="$2"; shift 2 ;;
  -h | --help) usage ;;
  -*) echo "unknown option $1" >&2; usage ;;
  *)
    if [ -z "$sdk_test" ]; then sdk_test="$1"; else files+=("$1"); fi
    shift
    ;;
  esac
done
[ -n "$sdk_test" ] || usage
[ -d "$sdk_test/src" ] || { echo "$sdk_test has no src/: give sdk-typescript's packages/test" >&2; exit 2; }
case "$form" in as-written | test-server | both) ;; *) usage ;; esac
sdk_test="$(cd "$sdk_test" && pwd)"
mkdir -p "$scratch"
scratch="$(cd "$scratch" && pwd)"

# The @temporalio/* version the project uses (the SDK tests are run against the same packages).
sdk_version="$(node -p "require('$root/package.json').dependencies['@temporalio/client']")"

# --- Install: npm packages the tests import, at the project's SDK version -----------------------
# @temporalio/lambda-worker is not published: the files that import it fail to load (not applicable).
cat >"$scratch/package.json.new" <<EOF
{
  "name": "sdk-conformance-harness",
  "private": true,
  "dependencies": {
    "@grpc/grpc-js": "^1.12.4",
    "@grpc/proto-loader": "^0.7.10",
    "@opentelemetry/api": "^1.9.0",
    "@opentelemetry/core": "^1.25.1",
    "@opentelemetry/exporter-trace-otlp-grpc": "^0.52.1",
    "@opentelemetry/sdk-node": "^0.52.1",
    "@opentelemetry/sdk-trace-base": "^1.25.1",
    "@opentelemetry/semantic-conventions": "^1.25.1",
    "@temporalio/activity": "$sdk_version",
    "@temporalio/client": "$sdk_version",
    "@temporalio/cloud": "*",
    "@temporalio/common": "$sdk_version",
    "@temporalio/core-bridge": "$sdk_version",
    "@temporalio/envconfig": "$sdk_version",
    "@temporalio/interceptors-opentelemetry": "$sdk_version",
    "@temporalio/nexus": "$sdk_version",
    "@temporalio/nyc-test-coverage": "$sdk_version",
    "@temporalio/plugin": "$sdk_version",
    "@temporalio/proto": "$sdk_version",
    "@temporalio/testing": "$sdk_version",
    "@temporalio/worker": "$sdk_version",
    "@temporalio/workflow": "$sdk_version",
    "@types/async-retry": "^1.4.8",
    "@types/fs-extra": "^11.0.4",
    "@types/istanbul-lib-coverage": "^2.0.6",
    "@types/node": "^20.19.0",
    "@types/pidusage": "^2.0.5",
    "@types/stack-utils": "^2.0.3",
    "arg": "^5.0.2",
    "async-retry": "^1.3.3",
    "ava": "^5.3.1",
    "dedent": "^1.5.1",
    "fs-extra": "^11.2.0",
    "glob": "^10.3.10",
    "istanbul-lib-coverage": "^3.2.2",
    "long": "^5.2.3",
    "ms": "3.0.0-canary.1",
    "nexus-rpc": "^0.0.3",
    "pidusage": "^3.0.2",
    "protobufjs": "^8.7.1",
    "rxjs": "^7.8.1",
    "stack-utils": "^2.0.6",
    "tsx": "^4.19.0",
    "typescript": "~5.9.3"
  }
}
EOF
if ! cmp -s "$scratch/package.json.new" "$scratch/package.json" || [ ! -d "$scratch/node_modules/ava" ]; then
  mv "$scratch/package.json.new" "$scratch/package.json"
  echo "installing the harness in $scratch (@temporalio/* $sdk_version)" >&2
  # A fresh install: the SDK's packages are moved out of node_modules below.
  rm -rf "$scratch/node_modules" "$scratch/tools" "$scratch/.built"
  (cd "$scratch" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  # pbjs (for the tests' protos) wants protobufjs 7: apart, so that the SDK's packages share one
  # protobufjs (separate copies fail `instanceof` checks, e.g. replaying a history from JSON).
  mkdir -p "$scratch/tools"
  (cd "$scratch/tools" && echo '{"private":true}' >package.json &&
    npm install --no-audit --no-fund --loglevel=error protobufjs-cli@^1.3.2 protobufjs@^7.6.4 >/dev/null)
else
  rm "$scratch/package.json.new"
fi
# The SDK's packages sit beside its tests, as in its repository (packages/workflow, ...), linked from
# node_modules: stack traces and source paths then read as the tests expect (workflow/src/...).
mkdir -p "$scratch/packages"
for dir in "$scratch"/node_modules/@temporalio/*; do
  name="$(basename "$dir")"
  [ "$name" = test-helpers ] || [ -L "$dir" ] && continue
  rm -rf "$scratch/packages/$name"
  mv "$dir" "$scratch/packages/$name"
  ln -s "../../packages/$name" "$dir"
done

# --- Copy and compile the SDK's tests (as its own build does: tsc to lib/, protos generated) ------
# Rebuilt when the checkout's files (names, sizes, times) or the harness's packages changed.
stamp="$(cd "$sdk_test" && find . ../test-helpers -path ./lib -prune -o -type f -printf '%p %s %T@\n' 2>/dev/null |
  sort | cat - "$scratch/package.json" | sha1sum)"
if [ "$(cat "$scratch/.built" 2>/dev/null)" != "$stamp" ]; then
  echo "compiling the SDK's tests from $sdk_test" >&2
  rm -rf "$scratch/packages/test" "$scratch/packages/test-helpers"
  cp -r "$sdk_test" "$scratch/packages/test"
  rm -rf "$scratch/packages/test/lib"
  tsconfig='{
  "compilerOptions": {
    "target": "es2022", "lib": ["es2023", "dom"], "module": "commonjs", "moduleResolution": "node",
    "strict": true, "esModuleInterop": true, "skipLibCheck": true, "declaration": true,
    "sourceMap": true, "experimentalDecorators": true, "resolveJsonModule": true,
    "noUncheckedIndexedAccess": false, "outDir": "./lib", "rootDir": "./src"
  },
  "include": ["./src/**/*.ts"]
}'
  if [ -d "$sdk_test/../test-helpers/src" ]; then
    cp -r "$sdk_test/../test-helpers" "$scratch/packages/test-helpers"
    rm -rf "$scratch/packages/test-helpers/lib"
    echo "$tsconfig" >"$scratch/packages/test-helpers/tsconfig.json"
    ln -sfn ../../packages/test-helpers "$scratch/node_modules/@temporalio/test-helpers"
    # Type errors (APIs that differ between the checkout and the installed SDK) do not stop the
    # emit: the tests that use them fail at run time and are reported.
    (cd "$scratch/packages/test-helpers" && "$scratch/node_modules/.bin/tsc" -p . >tsc.log 2>&1) || true
  fi
  echo "$tsconfig" >"$scratch/packages/test/tsconfig.json"
  (cd "$scratch/packages/test" && NODE_PATH="$scratch/tools/node_modules" \
    "$scratch/node_modules/.bin/tsx" scripts/compile-proto.ts >/dev/null)
  (cd "$scratch/packages/test" && "$scratch/node_modules/.bin/tsc" -p . >tsc.log 2>&1) || true
  [ -f "$scratch/packages/test/lib/helpers.js" ] || {
    echo "compiling the SDK's tests failed: $scratch/packages/test/tsc.log" >&2
    exit 1
  }
  echo "$stamp" >"$scratch/.built"
fi

# --- Route the testing API's servers to bin/temporal-devserver ----------------------------------
# The test-server launch of a createLocal: `server start-dev --port P flags` becomes `P flags`.
cat >"$scratch/devserver-test-server-form.sh" <<EOF
#!/bin/sh
[ "\$1" = server ] && [ "\$2" = start-dev ] && shift 2
port=
for arg; do
  shift
  if [ "\$port" = next ]; then port="\$arg"; continue; fi
  case "\$arg" in
  --port) port=next ;;
  --port=*) port="\${arg#--port=}" ;;
  *) set -- "\$@" "\$arg" ;;
  esac
done
exec "$devserver" "\$port" "\$@"
EOF
chmod +x "$scratch/devserver-test-server-form.sh"
cat >"$scratch/route-to-devserver.cjs" <<'EOF'
// ava's --require: TestWorkflowEnvironment's servers are bin/temporal-devserver unless a test
// names its own executable (e.g. a download it expects to fail).
const { TestWorkflowEnvironment } = require('@temporalio/testing');
const withExecutable = (opts, path) =>
  opts?.server?.executable
    ? opts
    : { ...opts, server: { ...opts?.server, executable: { type: 'existing-path', path } } };
const { createLocal, createTimeSkipping } = TestWorkflowEnvironment;
TestWorkflowEnvironment.createLocal = function (opts) {
  return createLocal.call(this, withExecutable(opts, process.env.SDK_CONFORMANCE_LOCAL_SERVER));
};
TestWorkflowEnvironment.createTimeSkipping = function (opts) {
  return createTimeSkipping.call(this, withExecutable(opts, process.env.SDK_CONFORMANCE_TIME_SKIPPING_SERVER));
};
EOF
node -e "
  const fs = require('fs');
  const file = '$scratch/packages/test/package.json';
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  pkg.ava = { ...pkg.ava, concurrency: 1, workerThreads: false,
              nodeArguments: ['--require', '$scratch/route-to-devserver.cjs'] };
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
"

# --- The shared server --------------------------------------------------------------------------
# Many files connect to localhost:7233 (Connection.connect() with no address), where the SDK's CI
# runs `temporal server start-dev` with these flags: each file gets a fresh one there, in the form
# being checked.
shared_flags=(
  --dynamic-config-value system.enableActivityEagerExecution=true
  --dynamic-config-value history.enableRequestIdRefLinks=true
  --dynamic-config-value frontend.activityAPIsEnabled=true
  --dynamic-config-value activity.enableStandalone=true
  --dynamic-config-value activity.startDelayEnabled=true
  --dynamic-config-value 'activity.longPollTimeout="5000ms"'
  --dynamic-config-value history.enableChasm=true
  --dynamic-config-value history.enableTransitionHistory=true
)
shared_pid=""
port_open() { (exec 3<>/dev/tcp/127.0.0.1/7233) 2>/dev/null; }
start_shared_server() {
  if port_open; then
    echo "warning: localhost:7233 is taken by another process: the tests that use it talk to that" >&2
    return
  fi
  if [ "$1" = test-server ]; then
    "$devserver" 7233 "${shared_flags[@]}" >"$2" 2>&1 &
  else
    "$devserver" server start-dev --port 7233 --headless "${shared_flags[@]}" >"$2" 2>&1 &
  fi
  shared_pid=$!
  for _ in $(seq 100); do
    port_open && return
    sleep 0.1
  done
  echo "warning: the shared server did not listen on localhost:7233 (see $2)" >&2
}
stop_shared_server() {
  [ -n "$shared_pid" ] || return 0
  kill "$shared_pid" 2>/dev/null || true
  wait "$shared_pid" 2>/dev/null || true
  shared_pid=""
}
trap stop_shared_server EXIT

# --- Run ------------------------------------------------------------------------------------------
if [ ${#files[@]} -eq 0 ]; then
  while IFS= read -r f; do files+=("$f"); done < <(cd "$sdk_test/src" && ls test-*.ts)
fi
forms=("$form")
[ "$form" = both ] && forms=(as-written test-server)

total_pass=0
total_fail=0
total_skip=0
for f in "${forms[@]}"; do
  out="$scratch/results/$f"
  mkdir -p "$out"
  if [ "$f" = test-server ]; then local_server="$scratch/devserver-test-server-form.sh"; else local_server="$devserver"; fi
  for file in "${files[@]}"; do
    name="$(basename "$file" .ts)"
    name="${name%.js}"
    js="lib/$name.js"
    if [ ! -f "$scratch/packages/test/$js" ]; then
      echo "$f $name: not compiled (see $scratch/packages/test/tsc.log)"
      continue
    fi
    start_shared_server "$f" "$out/$name.server.log"
    set +e
    (cd "$scratch/packages/test" &&
      SDK_CONFORMANCE_LOCAL_SERVER="$local_server" SDK_CONFORMANCE_TIME_SKIPPING_SERVER="$devserver" \
        timeout --kill-after=10 "$file_timeout" nice -n 10 "$scratch/node_modules/.bin/ava" --serial --concurrency=1 --tap "${match[@]}" "$js" \
        >"$out/$name.tap" 2>"$out/$name.log")
    status=$?
    set -e
    stop_shared_server
    # ava's TAP: `ok N - title`, `not ok N - title`, with ` # SKIP` / ` # TODO` for those.
    pass=$(grep -E '^ok [0-9]+ - ' "$out/$name.tap" | grep -cvE '# (SKIP|TODO)' || true)
    fail=$(grep -E '^not ok [0-9]+ - ' "$out/$name.tap" | grep -cvE '# (SKIP|TODO)' || true)
    skip=$(grep -cE '^(not )?ok [0-9]+ - .*# SKIP' "$out/$name.tap" || true)
    todo=$(grep -cE '^(not )?ok [0-9]+ - .*# TODO' "$out/$name.tap" || true)
    note=""
    [ "$status" = 124 ] && note=" (stopped after ${file_timeout}s)"
    echo "$f $name: $pass passed, $fail failed, $skip skipped, $todo todo$note"
    total_pass=$((total_pass + pass))
    total_fail=$((total_fail + fail))
    total_skip=$((total_skip + skip))
  done
done
echo "sdk-conformance: $total_pass passed, $total_fail failed, $total_skip skipped"
