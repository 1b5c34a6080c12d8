#!/usr/bin/env bash
# screening-loadgen against a real screeningd on a fresh database: the book
# scenario (async clients sharing two threads), the stampede (exactly the
# places booked, else the load generator exits 1), the ping floor and the
# JSON report. Small sizes: this checks that the tool works, not speed.
#
#   loadgen_smoke_pgtest.sh SCREENINGD SCREENING_LOADGEN SCREENCTL
set -euo pipefail
screeningd=$1 loadgen=$2 screenctl=$3
test_name=loadgen
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
year=$(( $(date -u +%Y) + 1 ))
printf '{"programmes": [{"year": %d}, {"year": %d}]}\n' $((year - 1)) "$year" >"$work/programmes.json"
start_screeningd --programme_rules="$work/programmes.json" --programme_year="$year" \
  --rate_limit_per_second=1000000 --rate_limit_burst=1000000

"$loadgen" --address="127.0.0.1:$port" --scenario=book --concurrency=8 --duration=2s \
  --slots=500 --places=2 --residents=400 --year="$year" --salt=3 --json="$work/book.json" \
  >"$work/book.txt" || fail "book scenario exited $?"
cat "$work/book.txt"
booked=$(sed -n 's/.*"bookings_per_second": \([0-9.]*\).*/\1/p' "$work/book.json")
awk -v b="$booked" 'BEGIN { exit !(b > 0) }' || fail "no bookings per second in the JSON report"
grep -q '"BookScreening": {"count": ' "$work/book.json" || fail "no BookScreening calls in the report"
# Every call of the run is counted once, OK or not: the slots' booked places
# in the database equal the OK calls.
ok=$(sed -n 's/.*"by_code": {[^}]*"OK": \([0-9]*\).*/\1/p' "$work/book.json")
places=$(psql -d "$db" -Atc "SELECT coalesce(sum(booked), 0) FROM scheduling.slots")
[ "$ok" = "$places" ] || fail "$ok bookings answered OK, $places places booked in the database"

# A second run on the same slots with another share of ID numbers books new
# residents (the same share would find the first run's, all booked already).
"$loadgen" --address="127.0.0.1:$port" --scenario=book --concurrency=8 --duration=1s \
  --slots=500 --places=2 --residents=400 --year="$year" --salt=4 --json="$work/book2.json" \
  >/dev/null || fail "second book run exited $?"
ok2=$(sed -n 's/.*"by_code": {[^}]*"OK": \([0-9]*\).*/\1/p' "$work/book2.json")
[ "${ok2:-0}" -gt 0 ] || fail "the second run booked nothing"
# code_6: ALREADY_EXISTS, a resident booked already.
! grep -q '"code_6"' "$work/book2.json" || fail "the second run met the first run's residents"
set +e
"$loadgen" --address="127.0.0.1:$port" --scenario=book --salt=39 >/dev/null 2>&1
[ $? = 2 ] || fail "--salt=39 was not refused"
set -e

"$loadgen" --address="127.0.0.1:$port" --scenario=stampede --clients=60 --places=10 \
  --year="$year" --prefix=ST >"$work/stampede.txt" || fail "stampede: not exactly 10 booked"
cat "$work/stampede.txt"
grep -q "booked: 10.0" "$work/stampede.txt" || fail "stampede report"

"$loadgen" --address="127.0.0.1:$port" --scenario=ping --concurrency=4 --duration=1s \
  >"$work/ping.txt" || fail "ping scenario exited $?"
grep -q "calls_per_second" "$work/ping.txt" || fail "ping report"
echo "loadgen smoke: ok ($ok bookings, stampede 10 of 10)"
