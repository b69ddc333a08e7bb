# Shared by the benchmark scripts: a database per size, a release server, a signed-in token.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

backend="${BACKEND:-postgres}"
children="${CHILDREN:-50000}"
months="${MONTHS:-24}"
port="${PORT:-18181}"
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
bin=target/release/coregroup

cargo build --release --locked >&2

case "$backend" in
    postgres)
        db="coregroup_bench_${children}_${months}"
        if ! psql "$pg/postgres" -Atc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
            psql "$pg/postgres" -qc "create database $db"
        fi
        export DATABASE_URL="$pg/$db"
        sql() { psql "$DATABASE_URL" -At -c "$1"; }
        ;;
    sqlite)
        export DATABASE_URL="sqlite://target/bench-${children}-${months}.db"
        sql() { sqlite3 "target/bench-${children}-${months}.db" "$1"; }
        ;;
    *) echo "BACKEND must be postgres or sqlite" >&2; exit 2 ;;
esac

"$bin" migrate >&2
echo "==> demo data: $children children, $months months ($backend)" >&2
start=$(date +%s)
demo_out="$("$bin" demo --children "$children" --months "$months")"
echo "    $(echo "$demo_out" | head -n 1) [$(( $(date +%s) - start )) s]" >&2
password="$(echo "$demo_out" | sed -n 's/.*the password \(.*\)):.*/\1/p')"

COREGROUP_LOG_FORMAT=json RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

token_for() {
    curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"email\": \"$1@demo.example\", \"password\": \"$password\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
