#!/usr/bin/env bash
# Metrics (issue 18): screeningd --metrics_listen serves Prometheus'
# text format; every call through the gate is counted by RPC, status code and
# protocol, with its latency, and nothing of a request's values (a resident's
# name or ID number) becomes a label.
#
#   metrics_pgtest.sh SCREENINGD SCREENCTL
set -euo pipefail
# Large texts are searched as here-strings, not through a pipe: `grep -q` stops at
# the first match, and the writer's SIGPIPE would fail the pipeline (pipefail).
screeningd=$1 screenctl=$2
test_name=metrics
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
today=$(TZ=Asia/Shanghai date +%F) year=$(TZ=Asia/Shanghai date +%Y)
start_screeningd --metrics_listen="127.0.0.1:@EXTRA_PORT@" --programme_year="$year" \
  --consumer_poll_interval=50ms
metrics_port=$extra_port
ctl() { "$screenctl" --address="127.0.0.1:$port" "$@"; }
scrape() { curl -sf "http://127.0.0.1:$metrics_port/metrics"; }

for _ in 1 2 3; do ctl progress "$year" >/dev/null || fail "GetProgress"; done
ctl progress 1999 >/dev/null 2>&1 && fail "a year before the programme answered"
ctl --token=not-a-token progress "$year" >/dev/null 2>&1 && fail "a bad token was served"
ctl register 230102197001011231 "测试居民" 230102 13900000000 >/dev/null || fail "register"

metrics=$(scrape) || fail "no metrics at 127.0.0.1:$metrics_port/metrics"
line() { echo "$metrics" | grep -F "$1" | grep -F "$2" | grep -F "$3" | awk '{print $2}' || true; }
ok=$(line 'screening_calls_total{' 'method="screening.v1.ProgressService/GetProgress"' 'code="OK"')
[ "$ok" = 3 ] || fail "GetProgress OK counted ${ok:-0} times, not 3: $(echo "$metrics" | grep GetProgress)"
bad=$(line 'screening_calls_total{' 'ProgressService/GetProgress' 'code="INVALID_ARGUMENT"')
[ "$bad" = 1 ] || fail "GetProgress INVALID_ARGUMENT counted ${bad:-0} times, not 1"
echo "$metrics" | grep -F 'screening_calls_total{' | grep -F 'RegisterResident' | grep -qF 'protocol="grpc"' ||
  fail "RegisterResident not counted over gRPC"
count=$(line 'screening_call_duration_seconds_count{' 'ProgressService/GetProgress' 'protocol="grpc"')
[ "$count" = 5 ] || fail "GetProgress latency observed ${count:-0} times, not 5"
grep -q '^screening_calls_in_flight{protocol="grpc"} 0' <<<"$metrics" || fail "calls left in flight"
# The bad token: refused by the gate, counted by its reason and as the call's code.
refused=$(echo "$metrics" | grep '^screening_gate_refusals_total{' | awk '{s += $2} END {print s + 0}')
[ "$refused" = 1 ] || fail "refusals counted $refused times, not 1: $(echo "$metrics" | grep refusals)"
grep -q '^screening_gate_refusals_total{reason="TOKEN_MALFORMED"} 1' <<<"$metrics" ||
  fail "the bad token's refusal is not counted by its reason: $(echo "$metrics" | grep refusals)"
unauth=$(line 'screening_calls_total{' 'ProgressService/GetProgress' 'code="UNAUTHENTICATED"')
[ "$unauth" = 1 ] || fail "the refused call counted ${unauth:-0} times as UNAUTHENTICATED"
grep -q '^screening_audit_write_failures_total 0' <<<"$metrics" || fail "audit-write failures not at 0"
# Below the gate: a booking is one batch of one, its event is counted, and
# the programme's gauges say what GetProgress says.
ctl hospital HRB-DL-01 "道里区人民医院" 230102 >/dev/null || fail "hospital"
ctl capacity HRB-DL-01 "$today" four_highs 20 >/dev/null || fail "capacity"
slot=$(ctl slots four_highs 230102 | sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' | head -1)
resident=$(ctl lookup 230102197001011231 | sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' | head -1)
ctl book "$resident" "$slot" >/dev/null || fail "book"
value() { echo "$metrics" | grep -v '^#' | grep -F "$1" | awk '{print $2}' | head -1; }
for _ in $(seq 50); do
  metrics=$(scrape)
  [ "$(value 'screening_outbox_events_counted_total{outbox="scheduling"}')" = 1 ] && break
  sleep 0.1
done
[ "$(value 'screening_outbox_events_counted_total{outbox="scheduling"}')" = 1 ] ||
  fail "the booking's event was not counted: $(echo "$metrics" | grep outbox)"
[ "$(value 'screening_batch_size_count{kind="bookings"}')" = 1 ] || fail "no bookings batch observed"
[ "$(value 'screening_outbox_pending_events{outbox="scheduling"}')" = 0 ] || fail "events left pending"
[ "$(value 'screening_db_pool_size{pool="screening_scheduling"}')" = 8 ] || fail "no pool size"
# The registry's pool (no background poll uses it): lent for the booking, back now.
[ "$(value 'screening_db_connections_in_use{pool="screening_registry"}')" = 0 ] ||
  fail "a registry connection still lent out"
wait_count=$(value 'screening_db_connection_wait_seconds_count{pool="screening_registry"}')
[ "${wait_count:-0}" -gt 0 ] || fail "no connection lent by the registry pool was observed"
bookings=$(ctl progress "$year" | sed -n 's/^ *"bookings": "\([0-9]*\)".*/\1/p')
[ "$(value "screening_programme_bookings{year=\"$year\"}")" = "${bookings:-0}" ] && [ "$bookings" = 1 ] ||
  fail "programme bookings $(value "screening_programme_bookings{year=\"$year\"}"), GetProgress ${bookings:-none}"
[ "$(value "screening_programme_target{year=\"$year\",target=\"persons\"}")" = 800000 ] ||
  fail "no persons target gauge"
[ "$(value process_open_fds)" -gt 0 ] && [ "$(value process_resident_memory_bytes)" != "" ] ||
  fail "no process metrics"
# Prometheus' own checker accepts the scrape.
echo "$metrics" | promtool check metrics >"$work/promtool.txt" 2>&1 ||
  fail "promtool check metrics: $(cat "$work/promtool.txt")"
for secret in 230102197001011231 测试居民 13900000000; do
  grep -qF "$secret" <<<"$metrics" && fail "personal data in the metrics: $secret"
done
echo "ok"
