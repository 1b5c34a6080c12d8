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
: "${SCREENING_TEST_DATABASE:?set SCREENING_TEST_DATABASE (tools/devdb conninfo)}"
psql() { "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" -v ON_ERROR_STOP=1 "$@"; }
settings() { echo "$SCREENING_TEST_DATABASE" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
export PGHOST=$(settings host) PGPORT=$(settings port) PGUSER=$(settings user)
db="t_bufcurl_$$"
work=$(mktemp -d)
cleanup() {
  [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null && sleep 1
  psql -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -d postgres -qc "CREATE DATABASE $db" >/dev/null
export SCREENING_DATA_KEYS="test:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export SCREENING_LOOKUP_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
port=$(( 40000 + RANDOM % 20000 ))
"$screeningd" --insecure --listen="127.0.0.1:$port" \
  --database_url="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db" >"$work/screeningd.log" 2>&1 &
echo $! >"$work/pid"
for _ in $(seq 100); do
  "$screenctl" --address="127.0.0.1:$port" health >/dev/null 2>&1 && break
  sleep 0.2
done
fail() { echo "FAIL: $*" >&2; tail -20 "$work/screeningd.log" >&2; exit 1; }
curl_grpc() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

curl_grpc --list-methods "http://127.0.0.1:$port" >"$work/methods" 2>&1 ||
  { cat "$work/methods" >&2; fail "buf curl --list-methods"; }
for method in grpc.health.v1.Health/Check screening.v1.RegistryService/RegisterResident \
  screening.v1.ResultsService/RecordResults screening.v1.ProgressService/WatchProgress; do
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
