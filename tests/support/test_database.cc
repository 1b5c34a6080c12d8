#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/screeningd/app.h"

namespace screening::testing {

TestDatabase::TestDatabase(std::string server, std::string name)
    : server_(std::move(server)),
      name_(std::move(name)),
      url_(absl::StrCat(server_, " dbname=", name_)) {}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(const std::string& suite) {
  const char* server = std::getenv("SCREENING_TEST_DATABASE");
  if (server == nullptr || *server == '\0') {
    return absl::FailedPreconditionError(
        "SCREENING_TEST_DATABASE is not set: run the tests with tools/test, which starts the "
        "local PostgreSQL (tools/devdb) and sets it");
  }
  static std::atomic<int> counter{0};
  std::string name =
      absl::AsciiStrToLower(absl::StrCat("t_", suite, "_", getpid(), "_", counter++));
  try {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name)));
    tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(name)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot create test database: ", e.what()));
  }
  std::unique_ptr<TestDatabase> db(new TestDatabase(server, name));
  absl::Status migrated =
      MigrateServices(db->url(), std::set<std::string>(AllServices().begin(), AllServices().end()));
  if (!migrated.ok()) return migrated;
  return db;
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(absl::StrCat(server_, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name_), " WITH (FORCE)"));
  } catch (const std::exception&) {
    // A leftover test database is harmless; tools/devdb reset removes them.
  }
}

int TestDatabase::ServerPort() {
  const char* settings = std::getenv("SCREENING_TEST_DATABASE");
  for (absl::string_view part : absl::StrSplit(settings ? settings : "", ' ')) {
    int port = 0;
    if (absl::ConsumePrefix(&part, "port=") && absl::SimpleAtoi(part, &port)) return port;
  }
  return 5432;
}

int64_t TestDatabase::QueryInt(const std::string& sql) const {
  pqxx::connection conn(url_);
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<int64_t>();
}

}  // namespace screening::testing
