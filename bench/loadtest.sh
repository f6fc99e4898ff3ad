#!/usr/bin/env bash
# Load test (issue 13): the `make prod-local` stack under Locust (bench/locustfile.py), step by step.
#   bench/loadtest.sh [USERS ...]      e.g. bench/loadtest.sh 10 20 40   (DURATION=60 seconds each)
# Starts the stack, makes the users (bench/locust_setup.py), runs Locust headless at each user count,
# prints per step: load average, requests/s, p50/p95/p99, failures, the slowest endpoints by p95 and
# the cores each part of the stack used (bench/cpu_by_process.py). Stops the stack at the end. Output
# and CSVs in artifacts/loadtest/. Locust runs on the same 2 cores as the stack.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
DURATION=${DURATION:-60}
OUT=$ROOT/artifacts/loadtest
SITE=https://127.0.0.1:${PROD_LOCAL_HTTPS_PORT:-9543}
read -r -a steps <<< "${*:-10 20 40}"
mkdir -p "$OUT"

PY=$PY bash "$ROOT/scripts/prod-local.sh" up > "$OUT/stack.log" 2>&1 &
stack=$!
trap 'kill -TERM $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  grep -q "Ctrl-C stops everything" "$OUT/stack.log" && break
  kill -0 $stack 2>/dev/null || { cat "$OUT/stack.log"; exit 1; }
  sleep 0.5
done
set -a
# shellcheck disable=SC1091
. "$ROOT/artifacts/prod-local/servizo.env"
set +a
export REQUESTS_CA_BUNDLE=$ROOT/artifacts/prod-local/tls/cert.pem LOCUST_SESSIONS=$OUT/sessions.json
"$PY" "$ROOT/bench/locust_setup.py" > "$LOCUST_SESSIONS"

for users in "${steps[@]}"; do
  echo "=== $users users, ${DURATION}s; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PY" "$ROOT/bench/cpu_by_process.py" > "$OUT/cpu-before-u$users.json"
  "$(dirname "$PY")/locust" -f "$ROOT/bench/locustfile.py" --headless --host "$SITE" -u "$users" -r "$users" \
    -t "${DURATION}s" --csv "$OUT/u$users" --only-summary --loglevel WARNING > "$OUT/locust-u$users.log" 2>&1 || true
  "$PY" - "$OUT/u${users}_stats.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"  {float(total['Requests/s']):.1f} req/s, {total['Request Count']} requests, {total['Failure Count']} failed; "
      f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms")
for r in sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -float(r["95%"]))[:5]:
    print(f"    p95 {r['95%']:>6} ms  p50 {r['50%']:>5} ms  {r['Request Count']:>5}x  {r['Failure Count']} failed  {r['Type']} {r['Name']}")
PYEOF
  "$PY" "$ROOT/bench/cpu_by_process.py" --since "$OUT/cpu-before-u$users.json"
  echo "    load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
