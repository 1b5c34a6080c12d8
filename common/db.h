// PostgreSQL access for the stores: a bounded connection pool and one
// transaction runner that is the only place libpqxx exceptions become
// absl::Status. Stores call these; nothing above a store sees libpqxx.
//
//   db::Pool pool({.url = url, .size = 8});
//   pool.AddPreparer([](pqxx::connection_base& c) { c.prepare("get", "SELECT ..."); });
//   absl::StatusOr<int64_t> id = db::Transact<int64_t>(pool, [&](pqxx::work& tx)
//       -> absl::StatusOr<int64_t> { return tx.exec_prepared1("get", 7)[0].as<int64_t>(); });
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/server_metrics.h"

namespace screening::db {

// Defines prepared statements on a connection (libpqxx prepares them lazily).
using Preparer = std::function<void(pqxx::connection_base&)>;

class Pool {
 public:
  struct Options {
    std::string url;
    int size = 8;
    absl::Duration acquire_timeout = absl::Seconds(5);
    // The pool's name in the metrics (its database role); none: no metrics.
    std::string name;
    // A pool of reads that may go to a standby: Ping accepts one. A pool
    // that writes is healthy only on a primary.
    bool read_only = false;
  };

  explicit Pool(Options options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // Adds statements to every connection, present and future.
  void AddPreparer(Preparer preparer);

  // A connection on loan; it goes back to the pool when the lease ends, unless
  // it broke, in which case it is dropped and a new one is made next time.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& connection();
    void MarkBroken() { broken_ = true; }

   private:
    friend class Pool;
    struct Slot;
    Lease(Pool* pool, std::unique_ptr<Slot> slot);
    Pool* pool_;
    std::unique_ptr<Slot> slot_;
    bool broken_ = false;
  };

  // UNAVAILABLE when the database cannot be reached or no connection frees
  // up within the acquire timeout.
  absl::StatusOr<Lease> Acquire();

  // OK when the database answers, and (unless the pool is read_only) is a
  // primary: UNAVAILABLE on a standby.
  absl::Status Ping();

  // Whether the database answered the last time this pool spoke to it: false
  // from a lost connection or a failed connect until a connection is used
  // again. `listener` hears each change as it happens (health follows the
  // first call that works, not the next ping).
  bool reachable() const { return reachable_.load(); }
  void OnReachabilityChange(std::function<void(bool)> listener);

  const std::string& url() const { return options_.url; }

  // Counts a failed statement in the pool's metrics (TransactStatus and
  // AutoCommitStatus call it).
  void CountFailure(const std::exception& e);

 private:
  void Release(std::unique_ptr<Lease::Slot> slot, bool broken);
  void SetReachable(bool reachable);

  const Options options_;
  ServerMetrics::Pool* const metrics_;  // null: none kept
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Lease::Slot>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Preparer> preparers_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> reachable_{true};
  absl::Mutex listener_mu_;
  std::function<void(bool)> listener_ ABSL_GUARDED_BY(listener_mu_);
};

// Maps a libpqxx exception to a status: lost connection → UNAVAILABLE,
// serialization failure or deadlock → ABORTED, anything else → INTERNAL (with
// the SQL error class, never the statement or its parameters).
absl::Status StatusFromException(const std::exception& e);

// Runs `body` in a READ COMMITTED transaction and commits if it returns OK;
// otherwise rolls back and returns its status. Serialization failures and
// deadlocks are retried a few times. `body` may run more than once.
absl::Status TransactStatus(Pool& pool, const std::function<absl::Status(pqxx::work&)>& body);

template <typename T>
absl::StatusOr<T> Transact(Pool& pool, const std::function<absl::StatusOr<T>(pqxx::work&)>& body) {
  std::optional<absl::StatusOr<T>> result;
  absl::Status status = TransactStatus(pool, [&](pqxx::work& tx) -> absl::Status {
    result = body(tx);
    return result->status();
  });
  if (!status.ok()) return status;
  return std::move(*result);
}

// Runs `body` outside an explicit transaction: each statement commits by
// itself, so a single statement costs one round trip instead of three (BEGIN,
// statement, COMMIT). Only for bodies of one statement that cannot wait on a
// lock (a read, or an insert without conflicts): no statement_timeout is set
// and nothing is retried.
absl::Status AutoCommitStatus(Pool& pool,
                              const std::function<absl::Status(pqxx::nontransaction&)>& body);

template <typename T>
absl::StatusOr<T> AutoCommit(Pool& pool,
                             const std::function<absl::StatusOr<T>(pqxx::nontransaction&)>& body) {
  std::optional<absl::StatusOr<T>> result;
  absl::Status status = AutoCommitStatus(pool, [&](pqxx::nontransaction& tx) -> absl::Status {
    result = body(tx);
    return result->status();
  });
  if (!status.ok()) return status;
  return std::move(*result);
}

// The same database as `url` (a postgresql:// URI or key=value settings),
// logging in as `user` (and `password`, if not empty): how each service
// connects as its own role.
std::string ConnectionStringForUser(const std::string& url, const std::string& user,
                                    const std::string& password);

// The SQLSTATE of a libpqxx error, or "" for other exceptions.
std::string SqlState(const std::exception& e);

// 64-bit FNV-1a: a stable fingerprint (request bodies, migration texts).
uint64_t Fingerprint(absl::string_view bytes);

// A PostgreSQL array literal of numbers or (quoted, escaped) texts, for one
// statement over many rows: `INSERT ... SELECT * FROM unnest($1::bigint[], ...)`.
template <typename T>
std::string PgArray(const std::vector<T>& values);
// A time as seconds since 1970 to the microsecond, for `to_timestamp($1)`
// (a plain StrCat of a double keeps only six significant digits).
std::string PgEpoch(absl::Time time);
// The same for raw byte strings, as a bytea[] parameter (`$1::bytea[]`).
std::string PgByteaArray(const std::vector<std::string>& values);

}  // namespace screening::db
