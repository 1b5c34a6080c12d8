#!/usr/bin/env bash
# The rotation procedure of docs/operations.md with the real binaries:
# residents registered under data key k1 and lookup key L1; screeningd
# restarted on the rings (k2,k1 and L2,L1); `screeningd reseal` run online,
# twice (the second rewrites nothing); then screeningd on k2 and L2 alone
# still reads and finds every resident.
#
#   reseal_cli_pgtest.sh SCREENINGD SCREENCTL
set -euo pipefail
screeningd=$1 screenctl=$2
test_name=reseal
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
hex32() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
k1="k1:$(hex32)" k2="k2:$(hex32)" l1=$(hex32) l2=$(hex32)
ctl() { "$screenctl" --address="127.0.0.1:$port" "$@"; }

SCREENING_DATA_KEYS=$k1 SCREENING_LOOKUP_KEY=$l1 start_screeningd
ids=(230102197001011231 230102197001011258 23010219700101132X)
for i in 0 1 2; do
  ctl register "${ids[$i]}" "轮换$i" 230102 13800000000 >"$work/r$i" || fail "register $i"
done
name0=$(sed -n 's/.*"name": "\(residents\/[0-9]*\)".*/\1/p' "$work/r0")
[ -n "$name0" ] || fail "no resident name in $(cat "$work/r0")"
stop_screeningd

# Step 1: the new keys first, the old ones still there.
SCREENING_DATA_KEYS="$k2,$k1" SCREENING_LOOKUP_KEY="$l2,$l1" start_screeningd
ctl lookup "${ids[1]}" | grep -q 轮换1 || fail "lookup by the old hash on the rings"
# Step 2: reseal while it serves.
SCREENING_DATA_KEYS="$k2,$k1" SCREENING_LOOKUP_KEY="$l2,$l1" \
  "$screeningd" reseal --database_url="$database_url" --reseal_batch=2 \
  >"$work/reseal1" 2>"$work/reseal1.err" || { cat "$work/reseal1.err" >&2; fail "reseal"; }
grep -q "residents 3/3 read" "$work/reseal1.err" || { cat "$work/reseal1.err" >&2; fail "progress"; }
grep -qx "resealed: 3 residents and 3 stored answers rewritten, 0 unreadable" "$work/reseal1" ||
  { cat "$work/reseal1" >&2; fail "first reseal"; }
SCREENING_DATA_KEYS="$k2,$k1" SCREENING_LOOKUP_KEY="$l2,$l1" \
  "$screeningd" reseal --database_url="$database_url" >"$work/reseal2" 2>/dev/null ||
  fail "second reseal"
grep -qx "resealed: 0 residents and 0 stored answers rewritten, 0 unreadable" "$work/reseal2" ||
  { cat "$work/reseal2" >&2; fail "second reseal rewrote"; }
stop_screeningd

# Step 3: the old keys retired.
SCREENING_DATA_KEYS=$k2 SCREENING_LOOKUP_KEY=$l2 start_screeningd
ctl resident "$name0" | grep -q 轮换0 || fail "read after retiring k1"
for i in 0 1 2; do ctl lookup "${ids[$i]}" | grep -q "轮换$i" || fail "lookup $i under L2"; done
# A reseal with a key missing reports the rows it cannot open, and exits 3.
rc=0
SCREENING_DATA_KEYS="k9:$(hex32)" SCREENING_LOOKUP_KEY=$l2 \
  "$screeningd" reseal --database_url="$database_url" >"$work/reseal3" 2>"$work/reseal3.err" ||
  rc=$?
[ "$rc" -eq 3 ] || fail "reseal without the data key exited $rc, not 3"
grep -q "unreadable: $name0: data key k2 is not configured" "$work/reseal3.err" ||
  { cat "$work/reseal3.err" >&2; fail "unreadable rows not named"; }
echo "ok"
