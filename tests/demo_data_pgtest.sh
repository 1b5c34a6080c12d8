#!/usr/bin/env bash
# tools/quickstart's demo data: screening-demo-data fills past working days
# through the API with no step failing, allocates the year's targets, and a
# second run does nothing.
#
#   demo_data_pgtest.sh SCREENINGD SCREENCTL DEMO_DATA
set -euo pipefail
screeningd=$1 screenctl=$2 demo=$3
test_name=demo
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
out=$("$demo" --database_url="$database_url" --days=3 --per_day=40 2>/dev/null)
# In the first days of January there is no past working day in the year.
if echo "$out" | grep -q "no past working day"; then echo "ok (nothing to fill yet)"; exit 0; fi
echo "$out" | grep -Eq "^screening-demo-data: [0-9]+ residents screened over [0-9]+ working days; targets allocated" ||
  fail "first run: $out"
echo "$out" | grep -q "failed" && fail "steps failed: $out"
screened=$(echo "$out" | sed -n 's/^screening-demo-data: \([0-9]*\) residents.*/\1/p')
[ "$screened" -gt 0 ] || fail "nothing screened: $out"
again=$("$demo" --database_url="$database_url" --days=3 --per_day=40 2>/dev/null)
echo "$again" | grep -Eq "nothing to do" || fail "second run: $again"
echo "ok ($screened screened)"
