#!/usr/bin/env bash
# The web console end to end in Debian's chromium (services/console/web/test):
# screeningd with its HTTP face, a commission, a clinic and a hospital account,
# and one result recorded; the browser script signs in, sees the totals, has
# another result recorded through gRPC and sees the dashboard change within a
# second, and checks a clinic's refusal and the lockout. Then a clinic's day
# and a hospital's day in the pages alone: register, book a two-screening
# visit, print the slip; check in with the code, a result out of bounds
# refused, a valid one recorded, the letter; the dashboard moves; the local
# fake SMS gateway (failing once) got the confirmation and the results-ready
# message once each; another district's resident and another hospital's
# roster refused in the pages and through the API with the session.
# Screenshots go to build/console-screenshots (artifacts, not committed).
#
#   console_browser_pgtest.sh SCREENINGD SCREENCTL WEB_DIR SHOTS_DIR FAKE_SMS_GATEWAY
set -euo pipefail
screeningd=$1 screenctl=$2 web=$3 shots=$4 fake_sms=$5
test_name=browser
. "$(dirname "$0")/support/screeningd_on_fresh_db.sh"
command -v chromium >/dev/null || fail "chromium is not installed (tools/bootstrap)"
year=$(TZ=Asia/Shanghai date +%Y) today=$(TZ=Asia/Shanghai date +%F)
# The local fake SMS gateway, on a free port; stopped with the test.
start_fake_sms "$fake_sms"
sms_flags="--sms_gateway_url=http://127.0.0.1:$sms_port/sms --sms_retry_base=200ms --notify_poll_interval=100ms"
# shellcheck disable=SC2086
start_screeningd --http_listen="127.0.0.1:@EXTRA_PORT@" --programme_year="$year" $sms_flags
http_port=$extra_port
ctl() { "$screenctl" --address="127.0.0.1:$port" "$@"; }
name_of() { sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' | head -1; }

for account in officer.li:commission nurse.wang:clinic:230102 doctor.zhao:hospital:HRB-DL-01 \
  admin.zhou:admin; do
  echo "correct horse battery" | SCREENING_DATABASE_URL="$database_url" "$screeningd" account create \
    --username="${account%%:*}" --caller="${account#*:}" --password_stdin >/dev/null 2>&1 ||
    fail "account ${account%%:*}"
done

# Two residents booked and checked in today; the first one's result is recorded now.
ctl --street_address="哈尔滨市道里区安静街1号 门诊楼二层" hospital HRB-DL-01 "道里区人民医院" 230102 \
  >/dev/null || fail "hospital"
ctl capacity HRB-DL-01 "$today" four_highs 20 >/dev/null || fail "capacity"
ctl capacity HRB-DL-01 "$today" colorectal 20 >/dev/null || fail "capacity"
# One place tomorrow: a booking moved there fills it, and the next resident waits.
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%F)
ctl capacity HRB-DL-01 "$tomorrow" four_highs 1 >/dev/null || fail "capacity tomorrow"
slot=$(ctl slots four_highs 230102 | name_of)
bookings=()
for id in 230102197001011231 230102197001011258; do
  resident=$(ctl register "$id" "测试居民" 230102 13900000000 | name_of)
  booked=$(ctl book "$resident" "$slot") || fail "book $resident"
  booking=$(echo "$booked" | name_of)
  code=$(echo "$booked" | sed -n 's/^ *"verification_code": "\([0-9]*\)".*/\1/p')
  ctl check-in "$booking" "$code" >/dev/null || fail "check-in $booking"
  bookings+=("$booking")
done
record() { ctl record-four-highs HRB-DL-01 "$1" 150 95 5.4 5.0 3.0 1.2 1.6 350 >/dev/null; }
record "${bookings[0]}" || fail "the first result"

# A restart of screeningd on the same ports, for the browser to reconnect across.
cat >"$work/restart.sh" <<RESTART
#!/usr/bin/env bash
kill -TERM \$(cat "$work/pid"); while kill -0 \$(cat "$work/pid") 2>/dev/null; do sleep 0.1; done
"$screeningd" --insecure --listen=127.0.0.1:$port --http_listen=127.0.0.1:$http_port \\
  --programme_year=$year --database_url="$database_url" $sms_flags >>"$work/screeningd.log" 2>&1 &
echo \$! >"$work/pid"
for _ in \$(seq 100); do "$screenctl" --address=127.0.0.1:$port health >/dev/null 2>&1 && exit 0; sleep 0.1; done
exit 1
RESTART
chmod +x "$work/restart.sh"
# A third resident, checked in, for the result recorded after the restart.
resident=$(ctl register 23010219700101132X "测试居民" 230102 13900000000 | name_of)
booked=$(ctl book "$resident" "$slot") || fail "book the third"
third=$(echo "$booked" | name_of)
ctl check-in "$third" "$(echo "$booked" | sed -n 's/^ *"verification_code": "\([0-9]*\)".*/\1/p')" \
  >/dev/null || fail "check-in the third"

# Another district's resident, booked today at another district's hospital:
# the Daoli clinic and hospital must not see her.
ctl hospital HRB-NG-01 "南岗区社区卫生服务中心" 230103 >/dev/null || fail "hospital 2"
ctl capacity HRB-NG-01 "$today" four_highs 20 >/dev/null || fail "capacity 2"
other=$(ctl register 230103197007070028 "外区居民" 230103 13900000009 | name_of)
other_booking=$(ctl book "$other" "$(ctl slots four_highs 230103 | name_of)" | name_of) || fail "book 2"

rm -rf "$shots"
BASE="http://127.0.0.1:$http_port/" SHOTS="$shots" \
  RECORD="$screenctl --address=127.0.0.1:$port record-four-highs HRB-DL-01 ${bookings[1]} 150 95 5.4 5.0 3.0 1.2 1.6 350 >/dev/null" \
  RESTART="$work/restart.sh" \
  TODAY="$today" TOMORROW="$tomorrow" SMS="http://127.0.0.1:$sms_port" OTHER_ID=230103197007070028 \
  OTHER_RESIDENT="$other" OTHER_BOOKING="$other_booking" \
  RECORD_AFTER_RESTART="$screenctl --address=127.0.0.1:$port record-four-highs HRB-DL-01 $third 150 95 5.4 5.0 3.0 1.2 1.6 350 >/dev/null" \
  node "$web/test/console.test.mjs" || fail "the browser test"
ls "$shots"/*.png >/dev/null || fail "no screenshots"
echo "ok"
