#!/usr/bin/env bash
# An independent client that learns the API by reflection, against the real
# screeningd binary: `buf curl --list-methods` walks every listed service
# (it failed with "failed to find service named grpc.health.v1.Health" when
# reflection listed health without its descriptor), then calls health and an
# RPC by name alone.
#
#   reflection_buf_curl_pgtest.sh SCREENINGD SCREENCTL BUF
set -euo pipefail
screeningd=$1 screenctl=$2 buf=$3
test_name=bufcurl
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
start_screeningd
curl_grpc() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

curl_grpc --list-methods "http://127.0.0.1:$port" >"$work/methods" 2>&1 ||
  { cat "$work/methods" >&2; fail "buf curl --list-methods"; }
for method in grpc.health.v1.Health/Check screening.v1.RegistryService/RegisterResident \
  screening.v1.ResultsService/RecordResults screening.v1.ProgressService/WatchProgress \
  screening.internal.v1.SchedulingInternalService/CountBookings; do
  grep -qx "$method" "$work/methods" || fail "$method is not listed"
done
echo "buf curl lists $(wc -l <"$work/methods") methods"
curl_grpc --data '{}' "http://127.0.0.1:$port/grpc.health.v1.Health/Check" | grep -q SERVING ||
  fail "health by reflection"
# A bad value by name alone: INVALID_ARGUMENT naming the field.
out=$(curl_grpc --data '{"resident": {"fullName": "\u001b[31m"}}' \
  "http://127.0.0.1:$port/screening.v1.RegistryService/RegisterResident" 2>&1 || true)
echo "$out" | grep -q invalid_argument || { echo "$out" >&2; fail "RegisterResident with controls"; }
echo "$out" | grep -q resident.full_name || { echo "$out" >&2; fail "the field is not named"; }
echo "ok"
