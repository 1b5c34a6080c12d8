#include "services/console/account_store.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "services/console/accounts.h"

namespace screening::console {
namespace {

constexpr char kColumns[] =
    "username, caller, display_name, disabled, failed_attempts,"
    " extract(epoch FROM locked_until)::float8, extract(epoch FROM create_time)::float8,"
    " password_hash";

Account FromRow(const pqxx::row& row) {
  Account a;
  a.username = row[0].as<std::string>();
  a.caller = row[1].as<std::string>();
  a.display_name = row[2].as<std::string>();
  a.disabled = row[3].as<bool>();
  a.failed_attempts = row[4].as<int>();
  if (!row[5].is_null()) a.locked_until = absl::FromUnixMicros(row[5].as<double>() * 1e6);
  a.create_time = absl::FromUnixMicros(row[6].as<double>() * 1e6);
  a.password_hash = row[7].as<std::string>();
  return a;
}

}  // namespace

AccountStore::AccountStore(db::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {
  pool_.AddPreparer([](pqxx::connection_base& c) {
    c.prepare("accounts_insert",
              absl::StrCat("INSERT INTO auth.accounts (username, caller, display_name,"
                           " password_hash, create_time, password_time)"
                           " VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($5))"
                           " ON CONFLICT (username) DO NOTHING RETURNING ",
                           kColumns));
    c.prepare("accounts_get",
              absl::StrCat("SELECT ", kColumns, " FROM auth.accounts WHERE username = $1"));
    c.prepare("accounts_list",
              absl::StrCat("SELECT ", kColumns, " FROM auth.accounts ORDER BY username"));
    // A NULL parameter leaves its column as it is.
    c.prepare(
        "accounts_update",
        absl::StrCat(
            "UPDATE auth.accounts SET display_name = coalesce($2, display_name),"
            " disabled = coalesce($3::boolean, disabled),"
            " password_hash = coalesce($4, password_hash),"
            " password_time = CASE WHEN $4 IS NULL THEN password_time"
            "   ELSE to_timestamp($6) END,"
            " failed_attempts = CASE WHEN $5 OR $4 IS NOT NULL THEN 0 ELSE failed_attempts END,"
            " locked_until = CASE WHEN $5 OR $4 IS NOT NULL THEN NULL ELSE locked_until END"
            " WHERE username = $1 RETURNING ",
            kColumns));
    // One statement, so that guesses at once each count: the n-th failure in
    // a row from $2 on locks until $3.
    c.prepare("accounts_failure",
              absl::StrCat("UPDATE auth.accounts SET failed_attempts = failed_attempts + 1,"
                           " locked_until = CASE WHEN failed_attempts + 1 >= $2"
                           "   THEN to_timestamp($3) ELSE locked_until END"
                           " WHERE username = $1 RETURNING ",
                           kColumns));
    c.prepare("accounts_success",
              "UPDATE auth.accounts SET failed_attempts = 0, locked_until = NULL"
              " WHERE username = $1");
  });
}

absl::StatusOr<Account> AccountStore::Create(const Account& account) {
  return db::Transact<Account>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result rows =
        tx.exec_prepared("accounts_insert", account.username, account.caller, account.display_name,
                         account.password_hash, db::PgEpoch(clock_.Now()));
    if (rows.empty()) {
      return absl::AlreadyExistsError(absl::StrCat("the username ", account.username, " is taken"));
    }
    return FromRow(rows[0]);
  });
}

absl::StatusOr<Account> AccountStore::Get(const std::string& username) {
  return db::Transact<Account>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result rows = tx.exec_prepared("accounts_get", username);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("no account ", username));
    return FromRow(rows[0]);
  });
}

absl::StatusOr<std::vector<Account>> AccountStore::List() {
  using Accounts = std::vector<Account>;
  return db::Transact<Accounts>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Accounts> {
    Accounts accounts;
    for (const auto& row : tx.exec_prepared("accounts_list")) accounts.push_back(FromRow(row));
    return accounts;
  });
}

absl::StatusOr<Account> AccountStore::Update(const std::string& username, const Changes& changes) {
  return db::Transact<Account>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    const std::string disabled = changes.disabled ? (*changes.disabled ? "true" : "false") : "";
    pqxx::result rows = tx.exec_prepared(
        "accounts_update", username, changes.display_name ? changes.display_name->c_str() : nullptr,
        changes.disabled ? disabled.c_str() : nullptr,
        changes.password_hash ? changes.password_hash->c_str() : nullptr, changes.unlock,
        db::PgEpoch(clock_.Now()));
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("no account ", username));
    return FromRow(rows[0]);
  });
}

absl::StatusOr<Account> AccountStore::RecordFailure(const std::string& username) {
  const absl::Time now = clock_.Now();
  const absl::Time locked_until = *LockedUntilAfterFailure(kFailuresBeforeLock, now);
  return db::Transact<Account>(pool_, [&](pqxx::work& tx) -> absl::StatusOr<Account> {
    pqxx::result rows = tx.exec_prepared("accounts_failure", username, kFailuresBeforeLock,
                                         db::PgEpoch(locked_until));
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("no account ", username));
    return FromRow(rows[0]);
  });
}

absl::Status AccountStore::RecordSuccess(const std::string& username) {
  return db::TransactStatus(pool_, [&](pqxx::work& tx) -> absl::Status {
    tx.exec_prepared("accounts_success", username);
    return absl::OkStatus();
  });
}

}  // namespace screening::console
