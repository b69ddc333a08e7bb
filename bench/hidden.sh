#!/usr/bin/env bash
# Does the time of an answer tell a hidden child (or plan) from a missing id? A practitioner
# asks alternately for a child outside their core groups and for an id that does not exist,
# on one kept-alive connection, and the medians and spreads of the two are compared.
#
#   BACKEND=postgres CHILDREN=326 MONTHS=6 N=2000 bench/hidden.sh
CHILDREN="${CHILDREN:-326}"
MONTHS="${MONTHS:-6}"
export CHILDREN MONTHS
source "$(dirname "$0")/common.sh"

token="$(token_for teacher)"
chair="$(token_for chair1)"
url="http://127.0.0.1:$port/api/v1"
mine="$(curl -sf -H "Authorization: Bearer $token" "$url/dashboard" |
    python3 -c 'import json, sys; print(" ".join(c["child_id"] for c in json.load(sys.stdin)["children"]))')"
hidden="$(curl -sf -H "Authorization: Bearer $chair" "$url/dashboard" |
    MINE="$mine" python3 -c 'import json, os, sys
mine = set(os.environ["MINE"].split())
print(next(c["child_id"] for c in json.load(sys.stdin)["children"] if c["child_id"] not in mine))')"
plan="$(sql "select id from plans where child_id = '$hidden' order by start_date desc limit 1" | tail -n 1)"
echo "==> a practitioner asks for child $hidden (hidden from them) and plan $plan, against missing ids" >&2

PORT="$port" TOKEN="$token" HIDDEN="$hidden" PLAN="$plan" N="${N:-2000}" python3 - <<'PY'
import http.client, os, statistics, time, uuid

conn = http.client.HTTPConnection("127.0.0.1", int(os.environ["PORT"]))
headers = {"Authorization": "Bearer " + os.environ["TOKEN"]}
n = int(os.environ["N"])

def once(path):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    body = res.read()
    return (time.perf_counter() - start) * 1000, res.status, body

def compare(name, hidden_path, missing_path):
    for _ in range(100):  # warm-up
        once(hidden_path), once(missing_path.format(uuid.uuid4()))
    a, b = [], []
    bodies = set()
    for i in range(n):
        # Alternate the order, so that neither always goes first.
        pair = [(a, hidden_path), (b, missing_path.format(uuid.uuid4()))]
        for times, path in (pair if i % 2 else pair[::-1]):
            ms, status, body = once(path)
            assert status == 404, (path, status)
            bodies.add(body)
            times.append(ms)
    q = lambda xs: statistics.quantiles(xs, n=10)
    print(f"| {name} | hidden | {statistics.median(a):.3f} | {q(a)[0]:.3f} | {q(a)[-1]:.3f} |")
    print(f"| {name} | missing | {statistics.median(b):.3f} | {q(b)[0]:.3f} | {q(b)[-1]:.3f} |")
    print(f"| {name} | difference of medians | {statistics.median(a) - statistics.median(b):+.3f} | | |")
    assert len(bodies) == 1, "the two answers differ"

print(f"N = {n} requests of each, ms")
print("| route | id | median | p10 | p90 |")
print("| --- | --- | ---: | ---: | ---: |")
compare("GET /children/{id}", f"/api/v1/children/{os.environ['HIDDEN']}", "/api/v1/children/{}")
compare("GET /plans/{id}/core-group", f"/api/v1/plans/{os.environ['PLAN']}/core-group", "/api/v1/plans/{}/core-group")
PY
