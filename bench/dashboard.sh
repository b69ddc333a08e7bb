#!/usr/bin/env bash
# The dashboard of a CP chair (every open plan) and one child's status, against (a) a raw
# SELECT of the same projection rows and (b) a naive GROUP BY over the sightings, in one run.
#
#   BACKEND=postgres CHILDREN=50000 MONTHS=24 bench/dashboard.sh
source "$(dirname "$0")/common.sh"

token="$(token_for chair1)"
url="http://127.0.0.1:$port/api/v1"
# A past moment of knowledge after the demo was loaded: the dashboard then computes from the
# records (SQL with the "final and current at known_at" filters), not the projection.
sleep 1
known_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
sleep 1
child="$(curl -sf -H "Authorization: Bearer $token" "$url/dashboard" |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["children"]), d["children"][0]["child_id"])')"
echo "==> the dashboard lists ${child% *} children; sightings stored: $(sql 'select count(*) from sightings' | tail -n 1)"
child="${child#* }"

projection="select p.id, p.start_date, p.visit_every, p.visit_unit, p.region, c.id, c.given_name, c.family_name,
  j.last_seen_any, j.last_seen_social_worker, j.last_home_visit_seen
  from plans p join children c on c.id = p.child_id left join child_projections j on j.child_id = c.id
  where p.end_date is null"
naive="select child_id,
  max(case when outcome in ('seen_alone','seen_with_carer','seen') then occurred_on end),
  max(case when outcome in ('seen_alone','seen_with_carer','seen') and by_social_care then occurred_on end),
  max(case when outcome in ('seen_alone','seen_with_carer','seen') and by_social_care and kind = 'home_visit' then occurred_on end)
  from sightings where status = 'final' and superseded_by_id is null group by child_id"

case "$backend" in
    postgres) raw() { echo "psql '$DATABASE_URL' -Atq -o /dev/null -c \"$1\""; } ;;
    sqlite) raw() { echo "sqlite3 target/bench-${children}-${months}.db \"$1\" > /dev/null"; } ;;
esac

hyperfine --warmup 1 --runs "${RUNS:-10}" --export-markdown "target/bench-dashboard-$backend.md" \
    -n "dashboard (CP chair, all open plans, over HTTP)" \
    "curl -sf -o /dev/null -H 'Authorization: Bearer $token' $url/dashboard" \
    -n "dashboard as known at a past moment (over HTTP)" \
    "curl -sf -o /dev/null -H 'Authorization: Bearer $token' '$url/dashboard?known_at=$known_at'" \
    -n "(a) raw SELECT of the projection rows" "$(raw "$projection")" \
    -n "(b) naive GROUP BY over the sightings" "$(raw "$naive")" \
    -n "one child's status (over HTTP)" \
    "curl -sf -o /dev/null -H 'Authorization: Bearer $token' $url/children/$child/status" \
    -n "one child's status as known at a past moment (over HTTP)" \
    "curl -sf -o /dev/null -H 'Authorization: Bearer $token' '$url/children/$child/status?known_at=$known_at'"
