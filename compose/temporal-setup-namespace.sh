#!/bin/sh
# One-shot job (temporalio/admin-tools): waits for the Temporal server, creates the namespace and
# registers the custom search attributes the order workflows upsert. Safe to run again: existing
# namespace and attributes are kept. Each step is retried, since a new namespace takes a few
# seconds to reach every Temporal service.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-60}"
# NAME:TYPE pairs
SEARCH_ATTRIBUTES="${SEARCH_ATTRIBUTES:-OrderStatus:Keyword OrderKind:Keyword CustomerId:Keyword}"

# retry <description> <command...>
retry() {
  description=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "gave up: $description (after $attempt attempts)" >&2
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

server_healthy() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1
}

ensure_namespace() {
  if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
    return 0
  fi
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
}

# $1: name, $2: type
ensure_search_attribute() {
  if temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" |
    grep -qw "$1"; then
    return 0
  fi
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
    --name "$1" --type "$2"
}

retry "Temporal at $TEMPORAL_ADDRESS to be healthy" server_healthy
retry "namespace $NAMESPACE" ensure_namespace
echo "namespace $NAMESPACE is ready"
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%:*}
  type=${pair#*:}
  retry "search attribute $name" ensure_search_attribute "$name" "$type"
  echo "search attribute $name ($type) is registered"
done
