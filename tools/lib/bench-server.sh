# Sourced by the benchmark scripts: a fresh database on the local cluster and
# screeningd --insecure on it, rate limit raised, programmes for this year and
# next. Sets BIN, port, user, db, url, work, year, listen_port; cleans up on
# exit.
start_bench_server() {
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  "$root/tools/devdb" start >/dev/null
  port=$("$root/tools/devdb" url | sed 's|.*:\([0-9]*\)/.*|\1|')
  user=$("$root/tools/devdb" url | sed 's|postgresql://\([^@]*\)@.*|\1|')
  db="bench_$(date +%s)"
  "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$db"
  url="postgresql://$user@127.0.0.1:$port/$db"
  work=$(mktemp -d)
  cleanup() {
    [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null || true
    sleep 1
    "$BIN/dropdb" -h 127.0.0.1 -p "$port" -U "$user" --if-exists "$db" 2>/dev/null || true
    rm -rf "$work"
  }
  trap cleanup EXIT

  year=$(( $(date -u +%Y) + 1 ))  # a whole future year of working days
  printf '{"programmes": [{"year": %d}, {"year": %d}]}\n' $((year - 1)) "$year" \
    >"$work/programmes.json"
  export SCREENING_DATA_KEYS="bench:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  export SCREENING_LOOKUP_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  listen_port=$(( 20000 + RANDOM % 20000 ))
  # --insecure: one local developer caller; the rate limit is raised so that the
  # benchmark measures the service, not the limiter.
  "$root/build/services/screeningd/screeningd" --insecure --listen="127.0.0.1:$listen_port" \
    --database_url="$url" --programme_rules="$work/programmes.json" --programme_year="$year" \
    --rate_limit_per_second=1000000 --rate_limit_burst=1000000 --db_pool_size=16 \
    ${SCREENINGD_ARGS:-} \
    >"$work/screeningd.log" 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 100); do
    "$root/build/tools/screenctl" --address="127.0.0.1:$listen_port" health >/dev/null 2>&1 && break
    sleep 0.2
  done
}
