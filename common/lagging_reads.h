// Reads that may lag behind the primary (the commission's dashboard, progress,
// report drafts, resident lists) go to a standby when one is configured
// (--read_database_url); everything that must see its own writes stays on the
// primary. While the standby cannot be reached, its reads go to the primary.
//
//   db::LaggingReads reads(primary_pool, standby_pool_or_null);
//   reads.AutoCommit<Counts>(db::Freshness::kMayLag, [&](pqxx::nontransaction& tx) { ... });
//   reads.Staleness(db::Freshness::kMayLag);   // how far behind that read may be
#pragma once

#include <atomic>
#include <functional>

#include <google/protobuf/duration.pb.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db.h"

namespace screening::db {

// Whether a read must see every acknowledged write, or may lag behind.
enum class Freshness { kLatest, kMayLag };

class LaggingReads {
 public:
  // `standby` null: every read goes to `primary`.
  LaggingReads(Pool& primary, Pool* standby) : primary_(primary), standby_(standby) {}

  template <typename T>
  absl::StatusOr<T> AutoCommit(
      Freshness freshness, const std::function<absl::StatusOr<T>(pqxx::nontransaction&)>& body) {
    Pool& pool = Choose(freshness);
    absl::StatusOr<T> result = db::AutoCommit<T>(pool, body);
    if (&pool != &primary_ && !result.ok() &&
        result.status().code() == absl::StatusCode::kUnavailable) {
      StandbyFailed();
      return db::AutoCommit<T>(primary_, body);
    }
    return result;
  }

  // How far behind the primary a read of `freshness` made now may be: zero
  // from the primary; from a standby, its replay lag (the time since the last
  // transaction it applied, while it has WAL still to apply; else zero).
  absl::StatusOr<absl::Duration> Staleness(Freshness freshness);

  // Whether reads that may lag go to the standby now.
  bool UsingStandby();

 private:
  Pool& Choose(Freshness freshness);
  void StandbyFailed();

  Pool& primary_;
  Pool* const standby_;
  // While the standby is down: when to try it again (microseconds since 1970).
  std::atomic<int64_t> retry_standby_at_{0};
};

// An answer's staleness in its proto form.
void SetStaleness(absl::Duration staleness, google::protobuf::Duration* out);

}  // namespace screening::db
