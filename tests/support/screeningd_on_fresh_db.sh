# Sourced by the shell tests: a fresh database on the test cluster
# ($SCREENING_TEST_DATABASE) and a screeningd serving it on a random port,
# both removed when the test exits.
#
#   . screeningd_on_fresh_db.sh   # needs $screeningd, $screenctl, $test_name
#   start_screeningd [extra flags]  # sets $port; the log is $work/screeningd.log;
#                                   # @EXTRA_PORT@ in a flag becomes $extra_port, a
#                                   # second free port (metrics, HTTP)
#   stop_screeningd                 # SIGTERM, and wait for it
#   start_fake_sms GATEWAY          # the fake SMS gateway on $sms_port, stopped at exit
#   fail "message"                  # prints the log's tail and exits 1
: "${SCREENING_TEST_DATABASE:?set SCREENING_TEST_DATABASE (tools/devdb conninfo)}"
psql() { "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql" -v ON_ERROR_STOP=1 "$@"; }
settings() { echo "$SCREENING_TEST_DATABASE" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
export PGHOST=$(settings host) PGPORT=$(settings port) PGUSER=$(settings user)
db="t_${test_name}_$$"
work=$(mktemp -d)
cleanup() {
  [ -n "${sms_pid:-}" ] && kill "$sms_pid" 2>/dev/null
  [ -f "$work/pid" ] && kill "$(cat "$work/pid")" 2>/dev/null && sleep 1
  psql -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -d postgres -qc "CREATE DATABASE $db" >/dev/null
export SCREENING_DATA_KEYS="test:$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export SCREENING_LOOKUP_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

database_url="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$db"

# A random port may be taken: a screeningd that exits at once tries others.
start_screeningd() {
  for _ in 1 2 3 4 5; do
    port=$((40000 + RANDOM % 20000))
    # Below Linux's ephemeral ports (32768 on), which clients' connections take.
    extra_port=$((20000 + RANDOM % 12000))
    local args=("$@")
    args=("${args[@]//@EXTRA_PORT@/$extra_port}")
    "$screeningd" --insecure --listen="127.0.0.1:$port" --database_url="$database_url" "${args[@]}" \
      >"$work/screeningd.log" 2>&1 &
    echo $! >"$work/pid"
    for _ in $(seq 100); do
      "$screenctl" --address="127.0.0.1:$port" health >/dev/null 2>&1 && return
      kill -0 "$(cat "$work/pid")" 2>/dev/null || break
      sleep 0.2
    done
  done
}

# The local fake SMS gateway (tools/fake_sms_gateway) on a free port.
start_fake_sms() {
  for _ in 1 2 3 4 5; do
    sms_port=$((20000 + RANDOM % 12000))
    "$1" --listen="127.0.0.1:$sms_port" >"$work/sms.log" 2>&1 &
    sms_pid=$!
    sleep 0.3
    kill -0 "$sms_pid" 2>/dev/null && return
  done
  fail "the fake SMS gateway did not start"
}

stop_screeningd() {
  kill "$(cat "$work/pid")" 2>/dev/null || true
  wait "$(cat "$work/pid")" 2>/dev/null || true
  rm -f "$work/pid"
}

fail() { echo "FAIL: $*" >&2; tail -20 "$work/screeningd.log" >&2; exit 1; }
