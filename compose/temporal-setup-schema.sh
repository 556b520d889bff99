#!/bin/sh
# One-shot job (temporalio/admin-tools): creates Temporal's two databases on the stack's Postgres
# and brings their schemas to the version shipped in the image. Safe to run again: an existing
# database is kept, setup-schema leaves a versioned schema alone, update-schema applies only newer
# versions.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (the Postgres host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

# The tool reads the password from SQL_PASSWORD (kept off the command line).
export SQL_PASSWORD="$POSTGRES_PWD"

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

wait_for_postgres() {
  attempt=1
  until nc -z -w 5 "$POSTGRES_SEEDS" "$DB_PORT"; do
    if [ "$attempt" -ge 30 ]; then
      echo "Postgres at $POSTGRES_SEEDS:$DB_PORT is not reachable" >&2
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

# $1: database name, $2: schema folder under SCHEMA_ROOT
setup_database() {
  if output=$(sql_tool --db "$1" create 2>&1); then
    echo "created database $1"
  elif echo "$output" | grep -qi 'already exists'; then
    echo "database $1 exists"
  else
    echo "$output" >&2
    exit 1
  fi
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$SCHEMA_ROOT/$2/versioned"
}

wait_for_postgres
setup_database "${TEMPORAL_DB:-temporal}" temporal
setup_database "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
echo "Temporal schema is up to date"
