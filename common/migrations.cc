#include "common/migrations.h"

#include <map>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/db.h"

namespace screening {
namespace {

// An arbitrary constant shared by every screeningd: the advisory lock id.
constexpr int64_t kMigrationLockId = 0x5C7EE41;

}  // namespace

absl::Status ApplyMigrations(const std::string& database_url, absl::string_view service,
                             const std::vector<Migration>& migrations) {
  try {
    pqxx::connection conn(database_url);
    {
      pqxx::nontransaction tx(conn);
      tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockId);
    }
    struct Unlock {
      pqxx::connection& conn;
      ~Unlock() {
        try {
          pqxx::nontransaction tx(conn);
          tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockId);
        } catch (...) {
          // The lock dies with the session anyway.
        }
      }
    } unlock{conn};
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
          " service text NOT NULL, version integer NOT NULL, name text NOT NULL,"
          " fingerprint text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
          " PRIMARY KEY (service, version))");
      tx.commit();
    }
    std::map<int, std::string> applied;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec_params(
               "SELECT version, fingerprint FROM public.schema_migrations WHERE service = $1",
               std::string(service))) {
        applied[row[0].as<int>()] = row[1].as<std::string>();
      }
    }
    for (const Migration& m : migrations) {
      const std::string fingerprint = absl::StrCat(db::Fingerprint(m.sql));
      auto it = applied.find(m.version);
      if (it != applied.end()) {
        if (it->second != fingerprint) {
          return absl::FailedPreconditionError(
              absl::StrCat("migration ", service, "/", m.name,
                           " was edited after it was applied; add a new migration instead"));
        }
        continue;
      }
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params(
          "INSERT INTO public.schema_migrations (service, version, name, fingerprint)"
          " VALUES ($1, $2, $3, $4)",
          std::string(service), m.version, std::string(m.name), fingerprint);
      tx.commit();
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    absl::Status status = db::StatusFromException(e);
    return absl::Status(status.code(), absl::StrCat("migrating ", service, ": ", status.message()));
  }
}

}  // namespace screening
