// A fresh PostgreSQL database per test suite, created from the migrations.
// The server comes from SCREENING_TEST_DATABASE (libpq key=value settings
// without dbname, e.g. "host=127.0.0.1 port=54329 user=screening"), which
// tools/test sets from the local cluster (tools/devdb).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace screening::testing {

class TestDatabase {
 public:
  // Creates `t_<suite>_<pid>_<n>` and migrates every service into it.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(const std::string& suite);
  ~TestDatabase();  // drops the database

  // The libpq connection string of this database.
  const std::string& url() const { return url_; }

  // The server's port, from SCREENING_TEST_DATABASE's settings (5432 if unsaid):
  // for tests that put a proxy in front of it.
  static int ServerPort();

  // Runs one SQL statement returning one integer (for recounts in tests).
  int64_t QueryInt(const std::string& sql) const;

 private:
  TestDatabase(std::string server, std::string name);
  std::string server_, name_, url_;
};

}  // namespace screening::testing
