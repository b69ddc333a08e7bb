#!/usr/bin/env bash
# The management reports and the CP chair's view of their plans, over HTTP, at scale.
#
#   BACKEND=postgres CHILDREN=5000 MONTHS=6 bench/reports.sh
source "$(dirname "$0")/common.sh"

manager="$(token_for manager2)"
chair="$(token_for chair1)"
auditor="$(token_for auditor)"
url="http://127.0.0.1:$port/api/v1"
month="$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)"
from="$(date -d '-6 months' +%F)"
to="$(date +%F)"
echo "==> sightings $(sql 'select count(*) from sightings' | tail -n 1), meetings $(sql 'select count(*) from meetings' | tail -n 1), minutes receipts $(sql 'select count(*) from minutes_distribution' | tail -n 1), actions $(sql 'select count(*) from actions' | tail -n 1)"
echo "==> chair1 chairs $(curl -sf -H "Authorization: Bearer $chair" "$url/chair/plans" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["plans"]))') open plans"

get() { echo "curl -sf -o /dev/null -H 'Authorization: Bearer $1' $2 '$url/$3'"; }
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "target/bench-reports-$backend.md" \
    -n "visits in $month (JSON)" "$(get "$manager" "" "reports/visits?month=$month")" \
    -n "visits in $month (CSV)" "$(get "$manager" "-H 'Accept: text/csv'" "reports/visits?month=$month")" \
    -n "core groups, 6 months" "$(get "$manager" "" "reports/core-groups?from=$from&to=$to")" \
    -n "plans" "$(get "$manager" "" "reports/plans")" \
    -n "audit sample of 23" "$(get "$auditor" "" "reports/audit-sample?month=$month&size=23&seed=bench")" \
    -n "the chair's plans" "$(get "$chair" "" "chair/plans")"
