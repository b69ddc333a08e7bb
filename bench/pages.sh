#!/usr/bin/env bash
# Server time of the two heaviest pages, through the real sign-in form and session cookie:
# "My children" for a team manager (about 60 children with CHILDREN=240, four teams) and a
# child's page with a year of records (MONTHS=12). One kept-alive connection, N requests
# each after a warm-up; prints p50 and p90 in milliseconds, and the bytes of CSS and
# JavaScript a first page transfers (gzip, as served).
#
#   BACKEND=postgres CHILDREN=240 MONTHS=12 N=300 MANAGER=manager2 bench/pages.sh
CHILDREN="${CHILDREN:-240}"
MONTHS="${MONTHS:-12}"
export CHILDREN MONTHS
source "$(dirname "$0")/common.sh"

PORT="$port" PASSWORD="$password" N="${N:-300}" MANAGER="${MANAGER:-manager2}" python3 - <<'PY'
import gzip, http.client, os, re, statistics, time, urllib.parse

port, n = int(os.environ["PORT"]), int(os.environ["N"])
conn = http.client.HTTPConnection("127.0.0.1", port)

def request(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    res = conn.getresponse()
    return res, res.read()

def sign_in(email):
    res, body = request("GET", "/sign-in")
    nonce = re.search(r"coregroup_sign_in=([^;]+)", res.getheader("set-cookie")).group(1)
    token = re.search(rb'name="form_token" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"form_token": token, "email": email,
                                   "password": os.environ["PASSWORD"], "next": "/children"})
    res, _ = request("POST", "/sign-in", form, {
        "content-type": "application/x-www-form-urlencoded",
        "cookie": f"coregroup_sign_in={nonce}"})
    assert res.status == 303, res.status
    return re.search(r"coregroup_session=([^;]+)", res.getheader("set-cookie")).group(1)

def timed(path, cookie):
    headers = {"cookie": f"coregroup_session={cookie}"}
    for _ in range(20):
        res, body = request("GET", path, headers=headers)
        assert res.status == 200, (path, res.status)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        res, body = request("GET", path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)], body

manager = sign_in(os.environ.get("MANAGER", "manager2") + "@demo.example")
p50, p90, body = timed("/children", manager)
count = re.search(rb"(\d+) child(?:ren)?", body).group(1).decode()
print(f"My children (a team manager with {count} children, 25 to a page): p50 {p50:.1f} ms, p90 {p90:.1f} ms")
child = re.search(rb'href="/children/([^"?]+)"', body).group(1).decode()
p50, p90, body = timed(f"/children/{child}", manager)
events = body.count(b'app-timeline__item')
print(f"A child's page ({events} chronology entries): p50 {p50:.1f} ms, p90 {p90:.1f} ms")

total = 0
for asset in re.findall(rb'(?:href|src)="(/assets/[^"]+\.(?:css|mjs|js))"', body):
    res, raw = request("GET", asset.decode(), headers={"accept-encoding": "gzip"})
    sent = len(raw)
    total += sent
    print(f"  {asset.decode()}: {sent} bytes as sent ({res.getheader('content-encoding') or 'identity'})")
# The page's module imports govuk-frontend: count it too.
for name in set(re.findall(rb'govuk-frontend-[0-9a-f]+\.min\.js', b"".join(
        request("GET", a.decode())[1] for a in re.findall(rb'src="(/assets/[^"]+\.mjs)"', body)))):
    res, raw = request("GET", "/assets/" + name.decode(), headers={"accept-encoding": "gzip"})
    total += len(raw)
    print(f"  /assets/{name.decode()}: {len(raw)} bytes as sent ({res.getheader('content-encoding') or 'identity'})")
print(f"CSS and JavaScript for a first page: {total / 1024:.1f} KiB as sent")
PY
