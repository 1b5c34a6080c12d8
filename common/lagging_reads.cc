#include "common/lagging_reads.h"

#include "common/log.h"

namespace screening::db {
namespace {

// A standby that failed is left alone this long before it is tried again:
// reads meanwhile go to the primary without waiting on a connect.
constexpr absl::Duration kRetryStandby = absl::Seconds(5);

}  // namespace

Pool& LaggingReads::Choose(Freshness freshness) {
  return UsingStandby() && freshness == Freshness::kMayLag ? *standby_ : primary_;
}

bool LaggingReads::UsingStandby() {
  return standby_ != nullptr && absl::ToUnixMicros(absl::Now()) >= retry_standby_at_.load();
}

void LaggingReads::StandbyFailed() {
  // Said once per outage, not per read: a mistyped --read_database_url shows
  // in the log rather than as a primary quietly carrying every read.
  const int64_t was = retry_standby_at_.exchange(absl::ToUnixMicros(absl::Now() + kRetryStandby));
  if (absl::ToUnixMicros(absl::Now()) >= was) {
    logs::Warn("standby unreachable; reads that may lag go to the primary")
        .Num("retry_after_seconds", absl::ToDoubleSeconds(kRetryStandby));
  }
}

absl::StatusOr<absl::Duration> LaggingReads::Staleness(Freshness freshness) {
  Pool& pool = Choose(freshness);
  if (&pool == &primary_) return absl::ZeroDuration();
  absl::StatusOr<double> seconds =
      db::AutoCommit<double>(pool, [](pqxx::nontransaction& tx) -> absl::StatusOr<double> {
        // A standby that has applied all it received is as fresh as its
        // primary's last word to it.
        return tx
            .exec1(
                "SELECT CASE WHEN NOT pg_is_in_recovery()"
                " OR pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()"
                " THEN 0 ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()),"
                " 0) END::float8")[0]
            .as<double>();
      });
  if (!seconds.ok()) {
    if (seconds.status().code() == absl::StatusCode::kUnavailable) StandbyFailed();
    return absl::ZeroDuration();  // the next read goes to the primary
  }
  return absl::Seconds(*seconds);
}

void SetStaleness(absl::Duration staleness, google::protobuf::Duration* out) {
  const int64_t micros = absl::ToInt64Microseconds(staleness);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

}  // namespace screening::db
