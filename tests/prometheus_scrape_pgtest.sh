#!/usr/bin/env bash
# A real Prometheus (Debian's) scraping a real screeningd on loopback, with
# deploy/prometheus/alerts.yml loaded:
# - after a short booking load, Prometheus' calls by code equal what the load
#   generator counted, and its programme gauge equals GetProgress;
# - the alert rules load and evaluate healthy, and none fires on a healthy run;
# - every query of deploy/grafana's dashboard runs without error.
#
#   prometheus_scrape_pgtest.sh SCREENINGD SCREENING_LOADGEN SCREENCTL DEPLOY_DIR
set -euo pipefail
screeningd=$1 loadgen=$2 screenctl=$3 deploy=$4
test_name=prometheus
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
command -v prometheus >/dev/null || fail "Debian's prometheus is not installed (tools/bootstrap)"
year=$(( $(date -u +%Y) + 1 ))
printf '{"programmes": [{"year": %d}, {"year": %d}]}\n' $((year - 1)) "$year" >"$work/programmes.json"
start_screeningd --programme_rules="$work/programmes.json" --programme_year="$year" \
  --metrics_listen="127.0.0.1:@EXTRA_PORT@" --consumer_poll_interval=50ms \
  --rate_limit_per_second=1000000 --rate_limit_burst=1000000
metrics_port=$extra_port
ctl() { "$screenctl" --address="127.0.0.1:$port" "$@"; }

cp "$deploy/prometheus/alerts.yml" "$work/alerts.yml"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml]
scrape_configs:
  - job_name: screeningd
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
EOF
for _ in 1 2 3 4 5; do
  prom_port=$((20000 + RANDOM % 12000))
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
  prom_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null 2>&1 && break 2
    kill -0 "$prom_pid" 2>/dev/null || break
    sleep 0.2
  done
done
trap 'kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; cleanup' EXIT
curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null || {
  tail -20 "$work/prometheus.log" >&2
  fail "prometheus did not start"
}
# One value of an instant query ("" when it has none).
query() {
  curl -sf "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    jq -r '.data.result[0].value[1] // ""'
}
# Waits (up to 20 s) until `query $1` says $2.
await_value() {
  local got=""
  for _ in $(seq 100); do
    got=$(query "$1")
    [ "$got" = "$2" ] && return 0
    sleep 0.2
  done
  fail "Prometheus says ${got:-nothing} for $1, not $2"
}
await_value 'up{job="screeningd"}' 1

# The load: booking for two seconds; the generator counts each answer's code.
"$loadgen" --address="127.0.0.1:$port" --scenario=book --concurrency=4 --duration=2s \
  --slots=200 --places=2 --residents=300 --year="$year" --salt=5 --json="$work/book.json" \
  >"$work/book.txt" || fail "the load generator exited $?"
codes=(OK CANCELLED UNKNOWN INVALID_ARGUMENT DEADLINE_EXCEEDED NOT_FOUND ALREADY_EXISTS
  PERMISSION_DENIED RESOURCE_EXHAUSTED FAILED_PRECONDITION ABORTED OUT_OF_RANGE UNIMPLEMENTED
  INTERNAL UNAVAILABLE DATA_LOSS UNAUTHENTICATED)
book='screening.v1.SchedulingService/BookScreening'
checked=0
while read -r code n; do
  case $code in OK) name=OK ;; code_*) name=${codes[${code#code_}]} ;; esac
  await_value "sum(screening_calls_total{job=\"screeningd\", method=\"$book\", code=\"$name\"})" "$n"
  checked=$((checked + n))
done < <(jq -r '.calls.BookScreening.by_code | to_entries[] | "\(.key) \(.value)"' "$work/book.json")
[ "$checked" -gt 0 ] || fail "the load generator counted no booking"
await_value "sum(screening_calls_total{job=\"screeningd\", method=\"$book\"})" "$checked"

# The programme's gauge is what GetProgress says, once the consumer caught up.
bookings=""
for _ in $(seq 100); do
  bookings=$(ctl progress "$year" | sed -n 's/^ *"bookings": "\([0-9]*\)".*/\1/p')
  [ "${bookings:-0}" -ge "$(jq '.calls.BookScreening.by_code.OK' "$work/book.json")" ] && break
  sleep 0.1
done
await_value "max(screening_programme_bookings{year=\"$year\"})" "$bookings"

# The rules: loaded, evaluated without error, and quiet on a healthy run.
rules=$(curl -sf "http://127.0.0.1:$prom_port/api/v1/rules")
[ "$(echo "$rules" | jq '[.data.groups[].rules[]] | length')" -ge 8 ] || fail "alert rules not loaded"
unhealthy=$(echo "$rules" | jq -r '[.data.groups[].rules[] | select(.health != "ok") | .name] | join(" ")')
[ -z "$unhealthy" ] || fail "rules failing to evaluate: $unhealthy"
firing=$(curl -sf "http://127.0.0.1:$prom_port/api/v1/alerts" |
  jq -r '[.data.alerts[] | select(.state == "firing") | .labels.alertname] | join(" ")')
[ -z "$firing" ] || fail "alerts firing on a healthy run: $firing"

# Every dashboard query runs (the variables as Grafana would fill them).
errors=0 queries=0
while IFS= read -r expr; do
  expr=${expr//\$__rate_interval/1m}
  expr=${expr//\$instance/.*}
  expr=${expr//\$year/$year}
  status=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$expr" |
    jq -r .status)
  queries=$((queries + 1))
  [ "$status" = success ] || {
    echo "dashboard query failed: $expr" >&2
    errors=$((errors + 1))
  }
done < <(jq -r '.panels[].targets[]?.expr' "$deploy/grafana/screeningd-dashboard.json")
[ "$errors" = 0 ] && [ "$queries" -gt 20 ] || fail "$errors of $queries dashboard queries failed"
echo "ok ($checked BookScreening calls counted alike by code, $bookings bookings in the programme gauge, $queries dashboard queries)"
