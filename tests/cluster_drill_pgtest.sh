#!/usr/bin/env bash
# The drills' short form (issue 19): a replicated cluster of its own
# (tools/cluster: pg_auto_failover with a synchronous standby, three
# screeningd replicas behind HAProxy), then a kill -9 of the primary and of a
# replica under load (tools/drill --short). Nothing acknowledged may be lost,
# nothing overbooked, the recount must agree and writes come back within
# 30 s; a replica's health must say NOT_SERVING while there is no primary.
#
#   cluster_drill_pgtest.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
SCREENING_CLUSTER_DIR=$(mktemp -d /tmp/screening-cluster.XXXXXX)
chmod 755 "$SCREENING_CLUSTER_DIR"  # the database's unprivileged owner must reach it
export SCREENING_CLUSTER_DIR
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A base port with the 50 above it free, below Linux's ephemeral range.
for _ in $(seq 20); do
  base=$((20000 + (RANDOM % 240) * 50))
  free=1
  for p in $(seq "$base" $((base + 49))); do port_in_use "$p" && { free=0; break; }; done
  [ $free = 1 ] && break
done
export SCREENING_CLUSTER_PORT=$base
cluster() { "$root/tools/cluster" "$@"; }
cleanup() {
  kill "${watcher:-0}" 2>/dev/null || true
  [ -n "${SCREENING_KEEP_CLUSTER:-}" ] && { echo "kept: $SCREENING_CLUSTER_DIR"; return; }
  cluster reset >/dev/null 2>&1 || true
  rm -rf "$SCREENING_CLUSTER_DIR"
}
trap cleanup EXIT

started=$SECONDS
cluster up --replicas=3 >"$SCREENING_CLUSTER_DIR/up.log" 2>&1 ||
  { cat "$SCREENING_CLUSTER_DIR/up.log" "$SCREENING_CLUSTER_DIR"/pg/*.log 2>/dev/null | tail -60 >&2; fail "tools/cluster up"; }

echo "cluster up in $((SECONDS - started)) s (ports from $base)"

# Synchronous: the primary waits for the standby's flush before it acknowledges.
primary_port=$((base + 10 + $(cluster primary | tr -dc 0-9)))
psql_primary() { psql -h 127.0.0.1 -p "$primary_port" -U screening -d screening -tAc "$1"; }
[ "$(psql_primary 'SHOW synchronous_commit')" = on ] || fail "synchronous_commit is not on"
names=$(psql_primary 'SHOW synchronous_standby_names')
[ -n "$names" ] || fail "no synchronous standby is named"
sync=$(psql_primary "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')")
[ "$sync" = 1 ] || fail "no standby replicates synchronously ($names)"

# Progress is read from the standby (--read_database_url), and says how far behind it is.
standby_port=$((base + 10 + $(cluster standby | tr -dc 0-9)))
answer=$("$root/build/tools/screenctl" --address="$(cluster address)" progress) || fail "GetProgress"
grep -q '"staleness"' <<<"$answer" || fail "GetProgress does not state its staleness: $answer"
readers=$(psql -h 127.0.0.1 -p "$standby_port" -U screening -d screening -tAc \
  "SELECT count(*) FROM pg_stat_activity WHERE usename = 'screening_progress'")
[ "$readers" -gt 0 ] || fail "no progress reads on the standby"

# Replica 1's health, every 200 ms, through the drills.
health_port=$((base + 31))
( while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$health_port/healthz" || true)
    echo "$code"
    sleep 0.2
  done >"$SCREENING_CLUSTER_DIR/health.log" ) &
watcher=$!

started=$SECONDS
out=$("$root/tools/drill" --short 2>/dev/null) || { echo "$out" >&2; fail "tools/drill --short"; }
echo "$out"
echo "drills in $((SECONDS - started)) s"
kill "$watcher"
[ "$(grep -c '^   PASS' <<<"$out")" = 2 ] || fail "not both drills passed"
[ "$(grep -c 'lost: 0;' <<<"$out")" = 2 ] || fail "a drill lost acknowledged writes"
[ "$(grep -c 'overbooked: 0$' <<<"$out")" = 2 ] || fail "a drill overbooked"
[ "$(grep -c 'recount: consistent' <<<"$out")" = 2 ] || fail "a recount disagreed"
grep -q '^503$' "$SCREENING_CLUSTER_DIR/health.log" ||
  fail "replica 1 never said NOT_SERVING while the primary was gone"
[ "$(tail -1 "$SCREENING_CLUSTER_DIR/health.log")" = 200 ] || fail "replica 1 is not serving at the end"
echo "ok"
