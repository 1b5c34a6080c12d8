#include "common/db.h"

#include <poll.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/call_deadline.h"
#include "common/crypto.h"
#include "common/log.h"

namespace screening::db {

struct Pool::Lease::Slot {
  std::unique_ptr<pqxx::connection> connection;
  size_t prepared = 0;      // how many of the pool's preparers ran on it
  bool configured = false;  // session settings applied
};

Pool::Lease::Lease(Pool* pool, std::unique_ptr<Slot> slot) : pool_(pool), slot_(std::move(slot)) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), slot_(std::move(other.slot_)), broken_(other.broken_) {}

Pool::Lease::~Lease() {
  if (slot_) pool_->Release(std::move(slot_), broken_);
}

pqxx::connection& Pool::Lease::connection() { return *slot_->connection; }

namespace {

ServerMetrics::Pool* PoolMetrics(const Pool::Options& options) {
  ServerMetrics* metrics = GetServerMetrics();
  if (metrics == nullptr || options.name.empty()) return nullptr;
  return &metrics->ForPool(options.name, options.size);
}

}  // namespace

Pool::Pool(Options options) : options_(std::move(options)), metrics_(PoolMetrics(options_)) {}

void Pool::CountFailure(const std::exception& e) {
  if (metrics_ != nullptr) metrics_->StatementFailed(SqlState(e));
}

Pool::~Pool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

void Pool::AddPreparer(Preparer preparer) {
  absl::MutexLock lock(&mu_);
  preparers_.push_back(std::move(preparer));
}

namespace {

// An idle connection whose server hung up (a restart, a failover, a cut)
// reads as end-of-file at once; a live idle one has nothing to read.
bool ServerHungUp(const pqxx::connection& connection) {
  const int fd = connection.sock();
  if (fd < 0) return true;
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return poll(&p, 1, 0) != 0;
}

}  // namespace

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<Lease::Slot> slot;
  std::vector<Preparer> preparers;
  const absl::Time asked = absl::Now();
  bool had_to_wait = false;
  {
    absl::MutexLock lock(&mu_);
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    had_to_wait = !can_proceed();
    if (!mu_.AwaitWithTimeout(absl::Condition(&can_proceed), options_.acquire_timeout)) {
      if (metrics_ != nullptr) metrics_->TimedOut();
      return absl::UnavailableError("all database connections are busy; retry");
    }
    // Idle connections the server hung up on are dropped here, not found
    // dead by a caller's statement.
    while (!idle_.empty() && ServerHungUp(*idle_.back()->connection)) {
      idle_.pop_back();
      --open_;
      if (metrics_ != nullptr) metrics_->ConnectionLost();
    }
    if (!idle_.empty()) {
      slot = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
    preparers = preparers_;
  }
  if (!slot) {
    slot = std::make_unique<Lease::Slot>();
    try {
      slot->connection = std::make_unique<pqxx::connection>(options_.url);
    } catch (const std::exception& e) {
      {
        absl::MutexLock lock(&mu_);
        --open_;
      }
      SetReachable(false);
      return absl::UnavailableError("the database is unreachable; retry");
    }
  }
  Lease lease(this, std::move(slot));
  if (metrics_ != nullptr) metrics_->Acquired(absl::Now() - asked, had_to_wait);
  try {
    if (lease.slot_->prepared == 0 && !lease.slot_->configured) {
      // Every statement here is prepared once per connection and run many
      // times with parameters that do not change the best plan; left to
      // choose, PostgreSQL re-planned some on every run (measured: about 5 %
      // of its time while recording results, and 20 % more results/s without).
      pqxx::nontransaction(*lease.slot_->connection)
          .exec("SET plan_cache_mode = force_generic_plan");
      lease.slot_->configured = true;
    }
    for (; lease.slot_->prepared < preparers.size(); ++lease.slot_->prepared) {
      preparers[lease.slot_->prepared](*lease.slot_->connection);
    }
  } catch (const std::exception& e) {
    lease.MarkBroken();
    return StatusFromException(e);
  }
  return lease;
}

void Pool::Release(std::unique_ptr<Lease::Slot> slot, bool broken) {
  if (metrics_ != nullptr) metrics_->Released();
  if (broken || !slot->connection || !slot->connection->is_open()) {
    if (metrics_ != nullptr) metrics_->ConnectionLost();
    slot.reset();
    {
      // A lost connection means the others went too (a restart, a
      // failover): the whole pool is replaced, not found dead call by call.
      absl::MutexLock lock(&mu_);
      open_ -= 1 + static_cast<int>(idle_.size());
      idle_.clear();
    }
    SetReachable(false);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(slot));
  }
  SetReachable(true);  // the database answered on it
}

void Pool::OnReachabilityChange(std::function<void(bool)> listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = std::move(listener);
}

void Pool::SetReachable(bool reachable) {
  if (reachable_.exchange(reachable) == reachable) return;
  absl::MutexLock lock(&listener_mu_);
  if (listener_) listener_(reachable);
}

absl::Status Pool::Ping() {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::nontransaction tx(lease->connection());
    // A standby answers SELECT 1 too; a pool that writes is served only by
    // a primary (after a failover, until the promotion, none is).
    const bool in_recovery = tx.exec1("SELECT pg_is_in_recovery()")[0].as<bool>();
    if (in_recovery && !options_.read_only) {
      lease->MarkBroken();
      return absl::UnavailableError("the database is a standby now (a failover?); retry");
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    lease->MarkBroken();
    return StatusFromException(e);
  }
}

std::string SqlState(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
  return "";
}

absl::Status StatusFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return absl::UnavailableError("lost the database connection; retry");
  }
  // libpqxx 6.4 reports these as types (not sql_error with a SQLSTATE).
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e)) {
    return absl::UnavailableError("lost the database connection mid-statement; retry");
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) {
    return absl::AbortedError("the transaction conflicted with another; retry");
  }
  const std::string state = SqlState(e);
  if (state == "57014") return absl::DeadlineExceededError("the call's deadline passed");
  // Connection exceptions (08), the server shutting down or starting (57P),
  // and a write reaching a server that is no longer the primary (25006, a
  // connection made before a failover): another try will find the primary.
  if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state == "25006") {
    return absl::UnavailableError("the database is unavailable; retry");
  }
  // Log the detail for operators (its first line: a DETAIL line may quote a
  // row's values); the caller gets only the SQL error class.
  const std::string what = e.what();
  logs::Error("database error")
      .Str("sqlstate", state)
      .Str("error", what.substr(0, what.find('\n')));
  return absl::InternalError(absl::StrCat("database error (sqlstate ", state, ")"));
}

absl::Status TransactStatus(Pool& pool, const std::function<absl::Status(pqxx::work&)>& body) {
  constexpr int kAttempts = 4;
  // Work for a caller who has given up is wasted: stop at its deadline.
  const absl::Time deadline = CurrentCallDeadline();
  absl::Status last;
  bool retried_lost = false;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (absl::Now() >= deadline) return absl::DeadlineExceededError("the call's deadline passed");
    auto lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    try {
      pqxx::work tx(lease->connection());
      // Calls without a deadline carry a far-future one: no timeout then.
      if (deadline - absl::Now() < absl::Hours(1)) {
        const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
        tx.exec_params("SELECT set_config('statement_timeout', $1, true)", absl::StrCat(ms));
      }
      absl::Status status = body(tx);
      if (!status.ok()) {
        tx.abort();
        return status;
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const std::exception& e) {
      pool.CountFailure(e);
      last = StatusFromException(e);
      if (last.code() == absl::StatusCode::kUnavailable) {
        lease->MarkBroken();
        // A connection lost before COMMIT took nothing with it (the server
        // rolls the transaction back), nor did a write refused by a former
        // primary: one more try, on a new connection. Not after an unknown
        // COMMIT (in_doubt_error is not a broken_connection).
        if (!retried_lost && (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
                              SqlState(e) == "25006")) {
          retried_lost = true;
          continue;
        }
      }
      if (last.code() != absl::StatusCode::kAborted) return last;
    }
  }
  return last;
}

absl::Status AutoCommitStatus(Pool& pool,
                              const std::function<absl::Status(pqxx::nontransaction&)>& body) {
  if (absl::Now() >= CurrentCallDeadline()) {
    return absl::DeadlineExceededError("the call's deadline passed");
  }
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::nontransaction tx(lease->connection());
    return body(tx);
  } catch (const std::exception& e) {
    pool.CountFailure(e);
    absl::Status status = StatusFromException(e);
    if (status.code() == absl::StatusCode::kUnavailable) lease->MarkBroken();
    return status;
  }
}

namespace {

std::string PercentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string QuoteSetting(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::string ConnectionStringForUser(const std::string& url, const std::string& user,
                                    const std::string& password) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    const std::string prefix(scheme);
    if (url.rfind(prefix, 0) != 0) continue;
    // postgresql://[userinfo@]host[:port][/dbname][?params]
    const size_t authority = prefix.size();
    const size_t path = url.find_first_of("/?", authority);
    const size_t at = url.rfind('@', path == std::string::npos ? std::string::npos : path);
    const size_t host = (at == std::string::npos || at < authority) ? authority : at + 1;
    std::string userinfo = PercentEncode(user);
    if (!password.empty()) absl::StrAppend(&userinfo, ":", PercentEncode(password));
    return absl::StrCat(prefix, userinfo, "@", url.substr(host));
  }
  // key=value settings: libpq takes the last of a repeated setting.
  std::string out = absl::StrCat(url, " user=", QuoteSetting(user));
  if (!password.empty()) absl::StrAppend(&out, " password=", QuoteSetting(password));
  return out;
}

template <typename T>
std::string PgArray(const std::vector<T>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if constexpr (std::is_same_v<T, std::string>) {
      // Quoted, with quotes and backslashes escaped: any text is safe.
      out += '"';
      for (char c : values[i]) {
        if (c == '\0') continue;  // PostgreSQL text cannot hold NUL
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      absl::StrAppend(&out, values[i]);
    }
  }
  out += '}';
  return out;
}
template std::string PgArray(const std::vector<int64_t>&);
template std::string PgArray(const std::vector<std::string>&);
template std::string PgArray(const std::vector<int>&);

std::string PgEpoch(absl::Time time) {
  return absl::StrFormat("%.6f", static_cast<double>(absl::ToUnixMicros(time)) / 1e6);
}

std::string PgByteaArray(const std::vector<std::string>& values) {
  std::vector<std::string> hex;
  hex.reserve(values.size());
  for (const std::string& value : values) hex.push_back(absl::StrCat("\\x", HexEncode(value)));
  return PgArray(hex);
}

uint64_t Fingerprint(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace screening::db
