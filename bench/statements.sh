#!/usr/bin/env bash
# How many SQL statements one `POST /api/v1/sightings` runs, counted by PostgreSQL itself:
# statement logging is switched on for the benchmark database alone, N sightings are recorded
# one after another, and the statements logged for that database are counted.
#
#   CHILDREN=326 MONTHS=6 N=50 bench/statements.sh        (PostgreSQL only)
CHILDREN="${CHILDREN:-326}"
MONTHS="${MONTHS:-6}"
BACKEND=postgres
export CHILDREN MONTHS BACKEND
source "$(dirname "$0")/common.sh"

n="${N:-50}"
log="${PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log | head -n 1)}"
db="${DATABASE_URL##*/}"
token="$(token_for manager2)"
url="http://127.0.0.1:$port/api/v1"
child="$(curl -sf -H "Authorization: Bearer $token" "$url/dashboard" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["children"][0]["child_id"])')"

psql "$pg/postgres" -qc "alter database $db set log_statement = 'all'"
trap 'psql "$pg/postgres" -qc "alter database $db reset log_statement"; kill $server 2>/dev/null || true' EXIT
# New connections pick the setting up: restart the server so that its pool reconnects.
kill "$server"; wait "$server" 2>/dev/null || true
COREGROUP_LOG_FORMAT=json RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
token="$(token_for manager2)"

before=$(wc -l <"$log")
for i in $(seq 1 "$n"); do
    at="$(date -u -d "-$((i * 7)) minutes" +%Y-%m-%dT%H:%M:%SZ)"
    curl -sf -o /dev/null -X POST "$url/sightings" -H "Authorization: Bearer $token" \
        -H 'content-type: application/json' \
        -d "{\"child_id\":\"$child\",\"occurred_at\":\"$at\",\"kind\":\"other_contact\",\"location\":\"office\",\"outcome\":\"seen\",\"observations\":\"statement count $i\"}"
done
sleep 1
tail -n +"$((before + 1))" "$log" | grep "@$db " | grep -E 'LOG:  (statement|execute)' >target/bench-statements.txt || true
total=$(wc -l <target/bench-statements.txt)
echo "==> $n sightings: $total statements logged for $db, $(python3 -c "print(round($total / $n, 1))") per POST /sightings"
echo "    (authentication included; the most frequent:)"
sed -E 's/.*LOG:  (statement|execute)[^:]*: //' target/bench-statements.txt | cut -c1-60 | sort | uniq -c | sort -rn | head -n 20
