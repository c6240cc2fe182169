#!/usr/bin/env bash
# Smoke-test lakectl's Redshift loader end to end: write a small lake table
# (lakectl demo), copy it to the S3 lake, load it into a fresh schema, check
# the warehouse's rows against the lake and the ledger, check that a rerun
# loads nothing, reprocess it, then drop what it made.
#
#   LAKECTL_LAKE=s3://bucket/prefix \
#   LAKECTL_WAREHOUSE='redshift://user:pw@host:5439/db?iam_role=ARN' scripts/redshift-smoke.sh
#
# The same script runs against the Redshift simulator of the tests
# (e2e TestRedshiftSmokeScript): only the URLs change. For an S3-compatible
# lake set AWS_ENDPOINT_URL_S3 (and LAKECTL_S3_ENDPOINT, LAKECTL_S3_PATH_STYLE).
# With iam=true in the URL (temporary credentials), set PGPASSWORD for psql.
#
# Needs: lakectl (or LAKECTL=path), psql, the aws CLI, AWS credentials for
# the lake.
set -euo pipefail

LAKECTL=${LAKECTL:-lakectl}
: "${LAKECTL_LAKE:?set LAKECTL_LAKE to an s3:// lake that the cluster IAM role can read}"
: "${LAKECTL_WAREHOUSE:?set LAKECTL_WAREHOUSE to redshift://user:pw@host:5439/db?iam_role=ARN}"
export LAKECTL_LAKE LAKECTL_WAREHOUSE

run_id=$(date -u +%Y%m%d%H%M%S)_$$
table="lakectl_smoke_${run_id}"
schema="lakectl_smoke_${run_id}"
work=$(mktemp -d)
s3_endpoint=()
if [ -n "${AWS_ENDPOINT_URL_S3:-}" ]; then s3_endpoint=(--endpoint-url "$AWS_ENDPOINT_URL_S3"); fi

# psql URL: same host, user, password and database, without lakectl's
# parameters; sslmode as the URL says (default require, as lakectl does).
base=${LAKECTL_WAREHOUSE%%\?*}
query=""
case "$LAKECTL_WAREHOUSE" in *\?*) query=${LAKECTL_WAREHOUSE#*\?} ;; esac
sslmode=$(printf '%s' "$query" | tr '&' '\n' | sed -n 's/^sslmode=//p' | head -n1)
pg_url="postgresql://${base#redshift://}?sslmode=${sslmode:-require}"
psql_q() { psql "$pg_url" -X -A -t -v ON_ERROR_STOP=1 -c "$1"; }
json_field() { sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2" | head -n1; }

cleanup() {
  psql_q "DROP SCHEMA IF EXISTS ${schema} CASCADE" >/dev/null 2>&1 || true
  for t in lakectl_loads lakectl_targets lakectl_target_modes; do
    psql_q "DELETE FROM public.${t} WHERE target = '${schema}.${table}'" >/dev/null 2>&1 || true
  done
  aws "${s3_endpoint[@]}" s3 rm --recursive --quiet "${LAKECTL_LAKE%/}/tables/$table" >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "cleaned up ${schema}"
}
trap cleanup EXIT

echo "1/6 connectivity"
psql_q "SELECT 1" >/dev/null

echo "2/6 writing a small lake table ${table} with lakectl demo, copied to the S3 lake"
"$LAKECTL" demo --dir "$work/demo" -q >/dev/null
src=$(ls "$work/demo/lake/tables" | head -n1)
if [ -z "$src" ]; then echo "lakectl demo wrote no table" >&2; exit 1; fi
aws "${s3_endpoint[@]}" s3 cp --recursive --quiet "$work/demo/lake/tables/$src" "${LAKECTL_LAKE%/}/tables/$table"
# Every partition's rows, summed (one "rows" per partition in the listing).
want=$("$LAKECTL" --lake "$work/demo/lake" lake ls "$src" -o json | grep -o '"rows": *[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
[ "$want" -gt 0 ] || { echo "FAIL: the demo lake holds no rows" >&2; exit 1; }

echo "3/6 dry run"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" --dry-run >"$work/dry.txt"
grep -q "FORMAT AS PARQUET" "$work/dry.txt" || { echo "FAIL: the dry run shows no COPY" >&2; exit 1; }

echo "4/6 load"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" -o json >"$work/load.json"
got=$(psql_q "SELECT count(*) FROM ${schema}.${table}")
ledger=$(psql_q "SELECT coalesce(sum(row_count), 0) FROM public.lakectl_loads WHERE target = '${schema}.${table}'")
echo "warehouse rows: $got, ledger rows: $ledger, lake rows: $want"
[ "$got" = "$ledger" ] || { echo "FAIL: warehouse and ledger disagree" >&2; exit 1; }
[ "$got" = "$want" ] || { echo "FAIL: the lake has $want rows" >&2; exit 1; }

echo "5/6 rerun loads nothing"
"$LAKECTL" warehouse load "$table" --into "${schema}.${table}" -o json >"$work/rerun.json"
again=$(psql_q "SELECT count(*) FROM ${schema}.${table}")
[ "$again" = "$got" ] || { echo "FAIL: rerun changed the row count ($got -> $again)" >&2; exit 1; }
[ "$(json_field files "$work/rerun.json")" = "0" ] || { echo "FAIL: rerun loaded files" >&2; exit 1; }

echo "6/6 reprocess reloads every file once"
"$LAKECTL" warehouse reprocess "$table" --into "${schema}.${table}" --yes -o json >"$work/reprocess.json"
again=$(psql_q "SELECT count(*) FROM ${schema}.${table}")
[ "$again" = "$want" ] || { echo "FAIL: reprocess left $again rows, the lake has $want" >&2; exit 1; }

load_id=$(json_field load_id "$work/load.json")
if [ -n "$load_id" ]; then
  aws "${s3_endpoint[@]}" s3 rm --recursive --quiet "${LAKECTL_LAKE%/}/_lakectl/manifests/" --exclude '*' --include "*${load_id}*" || true
fi
echo "OK: Redshift load smoke test passed ($got rows)"
