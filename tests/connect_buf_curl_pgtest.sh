#!/usr/bin/env bash
# The browser face (Connect protocol over HTTP), proved with an independent
# client: `buf curl --protocol connect` calls a unary RPC and a server stream
# (WatchProgress) on the real screeningd; bad input, a bad token and a caller
# without the right meet the same gate as over gRPC, in Connect's JSON error
# form with the google.rpc details; the internal services, other media types
# and oversized bodies are refused.
#
#   connect_buf_curl_pgtest.sh SCREENINGD SCREENCTL BUF PROTO_DIR
set -euo pipefail
screeningd=$1 screenctl=$2 buf=$3 protos=$4
test_name=connect
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
start_screeningd --http_listen="127.0.0.1:@EXTRA_PORT@"
http_port=$extra_port
url="http://127.0.0.1:$http_port"
connect() { "$buf" curl --schema "$protos" --protocol connect "$@"; }

out=$(connect --data '{"programmeYear": 2025}' "$url/screening.v1.ProgressService/GetProgress")
echo "$out" | grep -q '"personsTarget": "800000"' || { echo "$out" >&2; fail "unary GetProgress"; }

# A server stream: the first state arrives, then the client hangs up.
out=$(timeout 5 "$buf" curl --schema "$protos" --protocol connect --data '{"programmeYear": 2025}' \
  "$url/screening.v1.ProgressService/WatchProgress" 2>&1 || true)
echo "$out" | grep -q '"personsTarget": "800000"' || { echo "$out" >&2; fail "stream WatchProgress"; }
# A stream that fails ends with its error in the end-of-stream message.
out=$(connect --data '{"programmeYear": 1999}' "$url/screening.v1.ProgressService/WatchProgress" 2>&1 || true)
echo "$out" | grep -q invalid_argument || { echo "$out" >&2; fail "stream error"; }

# Bad input: INVALID_ARGUMENT naming the field, with the BadRequest detail.
out=$(connect --data '{"resident": {"fullName": "\u001b[31m"}}' \
  "$url/screening.v1.RegistryService/RegisterResident" 2>&1 || true)
echo "$out" | grep -q '"code": "invalid_argument"' || { echo "$out" >&2; fail "bad input code"; }
echo "$out" | grep -q '"type": "google.rpc.BadRequest"' || { echo "$out" >&2; fail "no detail"; }
echo "$out" | grep -q resident.full_name || { echo "$out" >&2; fail "the field is not named"; }
# JSON that is not the request: INVALID_ARGUMENT (400), not a crash.
code=$(curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"nope": 1}' "$url/screening.v1.ProgressService/GetProgress")
[ "$code" = 400 ] && grep -q '"field":"body"' "$work/body" || fail "unknown JSON field: $code"

# The same gate: a bad token is UNAUTHENTICATED (401); a clinic may not read progress (403).
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -H 'Authorization: Bearer sct_junk' -d '{}' "$url/screening.v1.ProgressService/GetProgress")
[ "$code" = 401 ] || fail "a bad token answered $code"
clinic=$(SCREENING_DATABASE_URL="$database_url" "$screeningd" token issue --caller=clinic:230102 2>/dev/null)
code=$(curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $clinic" -d '{}' "$url/screening.v1.ProgressService/GetProgress")
[ "$code" = 403 ] && grep -q permission_denied "$work/body" || fail "a clinic read progress: $code"

# What a browser may not call, or send.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{}' \
  "$url/screening.internal.v1.ResultsInternalService/CountResults")
[ "$code" = 404 ] || fail "an internal RPC answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -d '{}' \
  "$url/screening.v1.ProgressService/GetProgress")
[ "$code" = 415 ] || fail "text/plain answered $code"
head -c 5000000 /dev/zero | tr '\0' ' ' >"$work/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary @"$work/big" "$url/screening.v1.ProgressService/GetProgress")
[ "$code" = 413 ] || fail "a 5 MB body answered $code"
# A staff account made with `screeningd account`, signed in as a browser does.
echo "correct horse battery" | SCREENING_DATABASE_URL="$database_url" \
  "$screeningd" account create --username=officer.li --caller=commission --display_name=李 \
  --password_stdin >"$work/account" 2>&1 || { cat "$work/account" >&2; fail "account create"; }
SCREENING_DATABASE_URL="$database_url" "$screeningd" account list | grep -q "^officer.li *commission" ||
  fail "account list"
code=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"username": "officer.li", "password": "correct horse battery"}' "$url/auth/sign-in")
[ "$code" = 200 ] || fail "sign-in answered $code: $(cat "$work/body")"
grep -qi '^set-cookie: screening_session=sct_.*HttpOnly; SameSite=Strict' "$work/headers" ||
  fail "no HttpOnly SameSite=Strict session cookie"
grep -qi "^content-security-policy: default-src 'self'" "$work/headers" || fail "no CSP"
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(screening_session=[^;]*\);.*/\1/p' "$work/headers")
out=$(connect -H "Cookie: $cookie" --data '{"programmeYear": 2025}' \
  "$url/screening.v1.ProgressService/GetProgress")
echo "$out" | grep -q personsTarget || { echo "$out" >&2; fail "a call with the session cookie"; }
# A weak password is refused before anything is stored.
echo "short" | SCREENING_DATABASE_URL="$database_url" "$screeningd" account create \
  --username=weak.one --caller=admin --password_stdin 2>"$work/weak" && fail "a weak password was taken"
grep -q "10 to 128" "$work/weak" || fail "the weak password's refusal does not say why"
echo "ok"
