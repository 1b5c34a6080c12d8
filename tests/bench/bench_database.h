// A fresh database for one benchmark run, dropped at the end: on the server
// named by --server, or SCREENING_TEST_DATABASE (libpq settings without dbname).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"

namespace screening::bench {

class BenchDatabase {
 public:
  // Null (and a message on stderr) when no server is named.
  static std::unique_ptr<BenchDatabase> Create(std::string server, const std::string& program) {
    if (server.empty() && std::getenv("SCREENING_TEST_DATABASE")) {
      server = std::getenv("SCREENING_TEST_DATABASE");
    }
    if (server.empty()) {
      std::fprintf(stderr, "%s: --server (or SCREENING_TEST_DATABASE) is required\n",
                   program.c_str());
      return nullptr;
    }
    std::unique_ptr<BenchDatabase> db(
        new BenchDatabase(server, absl::StrCat(program, "_", getpid())));
    db->Exec(absl::StrCat("CREATE DATABASE ", db->name_));
    return db;
  }
  ~BenchDatabase() { Exec(absl::StrCat("DROP DATABASE ", name_, " WITH (FORCE)")); }

  std::string url() const { return absl::StrCat(server_, " dbname=", name_); }

 private:
  BenchDatabase(std::string server, std::string name)
      : server_(std::move(server)), name_(std::move(name)) {}
  void Exec(const std::string& sql) const {
    pqxx::connection admin(absl::StrCat(server_, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(sql);
  }
  const std::string server_, name_;
};

}  // namespace screening::bench
