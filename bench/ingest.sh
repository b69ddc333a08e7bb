#!/usr/bin/env bash
# Sighting ingest over HTTP with 64 concurrent clients (wrk), against pgbench doing one-row
# inserts into a table of the same shape on the same database.
#
#   BACKEND=postgres CHILDREN=50000 MONTHS=24 bench/ingest.sh
source "$(dirname "$0")/common.sh"

seconds="${SECONDS_PER_RUN:-20}"
token="$(token_for manager2)"
url="http://127.0.0.1:$port/api/v1"
# The team's children: the manager may record for each of them.
curl -sf -H "Authorization: Bearer $token" "$url/dashboard" |
    python3 -c 'import json, sys; [print(c["child_id"]) for c in json.load(sys.stdin)["children"]]' >target/bench-children.txt
echo "==> recording for $(wc -l <target/bench-children.txt) children"

TOKEN="$token" CHILDREN_FILE=target/bench-children.txt \
    wrk -t2 -c64 -d"${seconds}s" -s bench/post_sighting.lua "$url/sightings" | tee target/bench-ingest-wrk.txt

if [ "$backend" = postgres ]; then
    sql "drop table if exists bench_sightings" >/dev/null
    sql "create table bench_sightings (like sightings including all)" >/dev/null
    cat >target/bench-insert.sql <<'SQL'
\set n random(1, 1000000000)
insert into bench_sightings (id, child_id, author_id, agency_id, by_social_care, occurred_at, occurred_on,
  location, kind, outcome, status, finalised_at, created_at, updated_at)
values (md5(random()::text || :n), 'child-' || :n, 'author', 'agency', true, now(), current_date,
  'home', 'home_visit', 'seen', 'final', now(), now(), now());
SQL
    /usr/lib/postgresql/*/bin/pgbench -n -c 64 -j 2 -T "$seconds" -f target/bench-insert.sql "$DATABASE_URL" |
        tee target/bench-ingest-pgbench.txt
    sql "drop table bench_sightings" >/dev/null
fi
