#!/usr/bin/env bash
# Logs and traces (issue 18, parts 2 and 3), on the real binary:
# - every line is one JSON object: one per call (method, role, scope, code,
#   latency, request id, trace id) and one per background action;
# - a booking sent with a W3C traceparent can be followed from the clinic's
#   call through scheduling and the registry to the outbox event that
#   counted it, and a result likewise; a traceparent over HTTP is kept too;
# - no line carries the name, ID number or phone registered, nor a token;
# - --log_format=text writes key=value lines, and --log_level=warn no call lines.
#
#   logs_pgtest.sh SCREENINGD SCREENCTL FAKE_SMS_GATEWAY
set -euo pipefail
screeningd=$1 screenctl=$2 fake_sms=$3
test_name=logs
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
year=$(TZ=Asia/Shanghai date +%Y) today=$(TZ=Asia/Shanghai date +%F)
log=$work/screeningd.log

start_fake_sms "$fake_sms"
start_screeningd --log_format=json --http_listen="127.0.0.1:@EXTRA_PORT@" --programme_year="$year" \
  --consumer_poll_interval=50ms --notify_poll_interval=100ms \
  --sms_gateway_url="http://127.0.0.1:$sms_port/sms"
http_port=$extra_port
ctl() { "$screenctl" --address="127.0.0.1:$port" "$@"; }
name_of() { sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' | head -1; }
lines() { grep -v '^listening on port' "$log"; } # stdout's one line is for scripts
# Lines matching a jq condition, one compact object each.
find_lines() { lines | jq -c "select($1)"; }
# Waits (up to 10 s) for a line matching a jq condition.
await_line() {
  for _ in $(seq 100); do
    [ -n "$(find_lines "$1")" ] && return 0
    sleep 0.1
  done
  fail "no log line with $1"
}

id_number=230102197001011231 full_name=日志测试居民 phone=13912345678
t_book=4bf92f3577b34da6a3ce929d0e0e4736 t_result=0af7651916cd43dd8448eb211c80319c
t_http=5ee0c6e2fbc1d4e8a0a8e2f5b1c3d7e9

ctl hospital HRB-DL-01 "道里区人民医院" 230102 >/dev/null || fail "hospital"
ctl capacity HRB-DL-01 "$today" four_highs 20 >/dev/null || fail "capacity"
slot=$(ctl slots four_highs 230102 | name_of)
resident=$(ctl register "$id_number" "$full_name" 230102 "$phone" | name_of)
[ -n "$resident" ] || fail "register"
booked=$(ctl --traceparent="00-$t_book-00f067aa0ba902b7-01" --request_id=logs-book-1 \
  book "$resident" "$slot") || fail "book"
booking=$(echo "$booked" | name_of)
code=$(echo "$booked" | sed -n 's/^ *"verification_code": "\([0-9]*\)".*/\1/p')
ctl check-in "$booking" "$code" >/dev/null || fail "check-in"
ctl --traceparent="00-$t_result-b7ad6b7169203331-01" \
  record-four-highs HRB-DL-01 "$booking" 150 95 5.4 5.0 3.0 1.2 1.6 350 >/dev/null || fail "record"
curl -sf -o /dev/null -H 'Content-Type: application/json' \
  -H "traceparent: 00-$t_http-a0a8e2f5b1c3d7e9-01" -d "{\"programmeYear\": $year}" \
  "http://127.0.0.1:$http_port/screening.v1.ProgressService/GetProgress" || fail "GetProgress over HTTP"
# A token presented is never written: a made-up one, refused.
ctl --token=sct_logs_test_secret_token progress "$year" >/dev/null 2>&1 && fail "a made-up token served"

# The booking, followed by its trace id.
booking_call=$(find_lines ".msg == \"call\" and .trace_id == \"$t_book\" and
  .method == \"screening.v1.SchedulingService/BookScreening\"")
[ -n "$booking_call" ] || fail "no line for the booking call in its trace"
echo "$booking_call" | jq -e '.code == "OK" and .protocol == "grpc" and .role == "developer" and
  .request_id == "logs-book-1" and (.ms | type) == "number" and (.span_id | length) == 16' \
  >/dev/null || fail "the booking's call line: $booking_call"
[ -n "$(find_lines ".msg == \"call\" and .trace_id == \"$t_book\" and .protocol == \"in_process\" and
  (.method | startswith(\"screening.v1.RegistryService/\") or
   startswith(\"screening.internal.v1.RegistryInternalService/\"))")" ] ||
  fail "the registry's eligibility check is not in the booking's trace"
[ -n "$(find_lines ".msg == \"batch\" and .kind == \"bookings\" and .trace_id == \"$t_book\"")" ] ||
  fail "the booking's batch is not in its trace"
await_line ".msg == \"outbox events counted\" and .source == \"scheduling\" and
  (.event_traces | index(\"$t_book\"))"
# The result: its call, scheduling asked for the booking in its trace, its event counted.
[ -n "$(find_lines ".msg == \"call\" and .trace_id == \"$t_result\" and .code == \"OK\" and
  .method == \"screening.v1.ResultsService/RecordResult\"")" ] || fail "no line for the result call"
[ -n "$(find_lines ".msg == \"call\" and .trace_id == \"$t_result\" and .protocol == \"in_process\" and
  (.method | contains(\"SchedulingService/\"))")" ] || fail "scheduling's booking read is not in the result's trace"
await_line ".msg == \"outbox events counted\" and .source == \"results\" and
  (.event_traces | index(\"$t_result\"))"
# Over HTTP, the header's trace is kept.
[ -n "$(find_lines ".msg == \"call\" and .trace_id == \"$t_http\" and .protocol == \"http\"")" ] ||
  fail "the HTTP call's traceparent was not kept"
# A call without a traceparent gets a trace of its own.
[ -n "$(find_lines ".msg == \"call\" and (.method | endswith(\"/RegisterResident\")) and
  (.trace_id | test(\"^[0-9a-f]{32}$\"))")" ] || fail "a call without traceparent has no trace"
[ -n "$(find_lines ".msg == \"call\" and .code == \"UNAUTHENTICATED\"")" ] || fail "the refused call"
# The background polls' own calls are sampled out: not one line each at info.
[ -z "$(find_lines '.msg == "call" and (.method | endswith("/ListBookingEvents"))')" ] ||
  fail "the outbox consumer's polls are logged at info"
# The confirmation text: its sending is logged, without the phone.
await_line ".msg == \"notification sent\" and .attempt == 1"

stop_screeningd
# Every line is one JSON object with a time, a level and a message.
lines | jq -e -s 'length > 10 and all(.[]; (.time | type) == "string" and (.level | type) == "string"
  and (.msg | type) == "string")' >/dev/null || fail "a line is not a JSON object with time, level, msg"
for msg in start stopped; do [ -n "$(find_lines ".msg == \"$msg\"")" ] || fail "no '$msg' line"; done
for secret in "$id_number" "$full_name" "$phone" sct_logs_test_secret_token "$SCREENING_DATA_KEYS" \
  "$SCREENING_LOOKUP_KEY"; do
  grep -qF "$secret" "$log" && fail "the logs hold what they must not: $secret"
done
calls=$(find_lines '.msg == "call"' | wc -l)

# Plain text on request; and at warn, no line per call.
start_screeningd --log_format=text --programme_year="$year"
ctl progress "$year" >/dev/null || fail "progress (text)"
stop_screeningd
grep -Eq 'info +call method=screening.v1.ProgressService/GetProgress protocol=grpc .*code=OK' "$log" ||
  fail "no text line for the call"
start_screeningd --log_format=json --log_level=warn --programme_year="$year"
ctl progress "$year" >/dev/null || fail "progress (warn)"
stop_screeningd
grep -q '"msg":"call"' "$log" && fail "a call line at --log_level=warn"
refused=$("$screeningd" --log_level=loud --database_url="$database_url" --insecure 2>&1 || true)
echo "$refused" | grep -q "log_level" || fail "a bad --log_level was not refused: $refused"
echo "ok ($calls call lines checked)"
