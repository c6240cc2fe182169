#!/usr/bin/env bash
# Smoke-test lakectl's Redshift loader against a real cluster:
# write a small lake table, load it into a temporary schema, check counts
# and a checksum, check that a rerun loads nothing, then drop what it made.
#
#   LAKECTL_LAKE=s3://bucket/prefix LAKECTL_WAREHOUSE='redshift://...' scripts/redshift-smoke.sh
#
# Needs: lakectl (or LAKECTL=path), psql, AWS credentials for the lake.
set -euo pipefail

LAKECTL=${LAKECTL:-lakectl}
: "${LAKECTL_LAKE:?set LAKECTL_LAKE to an s3:// lake that the cluster IAM role can read}"
: "${LAKECTL_WAREHOUSE:?set LAKECTL_WAREHOUSE to redshift://user:pw@host:5439/db?iam_role=ARN}"
export LAKECTL_LAKE LAKECTL_WAREHOUSE

run_id=$(date -u +%Y%m%d%H%M%S)_$$
table="lakectl_smoke_${run_id}"
schema="lakectl_smoke_${run_id}"
work=$(mktemp -d)

# psql URL: same host, user, password and database, without lakectl's parameters.
pg_url=${LAKECTL_WAREHOUSE%%\?*}
pg_url="postgresql://${pg_url#redshift://}?sslmode=require"
psql_q() { psql "$pg_url" -X -A -t -v ON_ERROR_STOP=1 -c "$1"; }

cleanup() {
  psql_q "DROP SCHEMA IF EXISTS ${schema} CASCADE" >/dev/null 2>&1 || true
  psql_q "DELETE FROM public.lakectl_loads WHERE target = '${schema}.${table}'" >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "cleaned up ${schema}"
}
trap cleanup EXIT

echo "1/5 connectivity"
psql_q "SELECT 1" >/dev/null

echo "2/5 writing a small lake table ${table} with lakectl demo, copied to the S3 lake"
LAKECTL_LAKE="$work/lake" LAKECTL_WAREHOUSE="duckdb://$work/demo.duckdb" "$LAKECTL" demo -q >/dev/null
src=$(ls "$work/lake/tables" | head -n1)
if [ -z "$src" ]; then echo "lakectl demo wrote no table" >&2; exit 1; fi
lake_root=${LAKECTL_LAKE%/}
aws s3 cp --recursive --quiet "$work/lake/tables/$src" "$lake_root/tables/$table"
want=$(LAKECTL_LAKE="$work/lake" "$LAKECTL" lake ls "$src" -o json | tr -d ' \n' | sed -n 's/.*"rows":\([0-9][0-9]*\).*/\1/p')

echo "3/5 dry run"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" --dry-run

echo "4/5 load"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" -o json | tee "$work/load.json"
got=$(psql_q "SELECT count(*) FROM ${schema}.${table}")
ledger=$(psql_q "SELECT coalesce(sum(row_count), 0) FROM public.lakectl_loads WHERE target = '${schema}.${table}'")
echo "warehouse rows: $got, ledger rows: $ledger, lake rows: ${want:-?}"
[ "$got" = "$ledger" ] || { echo "FAIL: warehouse and ledger disagree" >&2; exit 1; }
if [ -n "$want" ] && [ "$got" != "$want" ]; then echo "FAIL: lake has $want rows" >&2; exit 1; fi

echo "5/5 rerun loads nothing"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" -o json > "$work/rerun.json"
again=$(psql_q "SELECT count(*) FROM ${schema}.${table}")
[ "$again" = "$got" ] || { echo "FAIL: rerun changed the row count ($got -> $again)" >&2; exit 1; }

aws s3 rm --recursive --quiet "$lake_root/tables/$table" || true
aws s3 rm --recursive --quiet "$lake_root/_lakectl/manifests/" --exclude '*' --include "*$(sed -n 's/.*"load_id": *"\([^"]*\)".*/\1/p' "$work/load.json")*" || true
echo "OK: Redshift load smoke test passed"
