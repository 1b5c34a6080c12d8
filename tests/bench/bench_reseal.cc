// How long key rotation's second step takes (docs/operations.md, "Rotating the
// keys"): N residents sealed under data key k1 and hashed under lookup key L1
// are stored in a fresh database; then `Resealer::Run` with the rings k2,k1 and
// L2,L1 rewrites them all (the first run), and runs again over rows already
// done (what a resumed run pays to skip them). Prints rows/s of both.
//
//   bench_reseal --server="host=127.0.0.1 port=54329 user=screening" [--rows=200000]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/db.h"
#include "common/help_flags.h"
#include "services/registry/registry_store.h"
#include "services/registry/reseal.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, server, "",
          "libpq settings of the PostgreSQL server, without dbname (tools/devdb conninfo); "
          "defaults to SCREENING_TEST_DATABASE.");
ABSL_FLAG(int, rows, 200000, "How many residents to store and re-seal.");
ABSL_FLAG(int, batch, 500, "Rows per reseal transaction (screeningd reseal --reseal_batch).");

namespace screening {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int Run() {
  std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty() && std::getenv("SCREENING_TEST_DATABASE") != nullptr) {
    server = std::getenv("SCREENING_TEST_DATABASE");
  }
  if (server.empty()) {
    std::fprintf(stderr, "bench_reseal: --server (or SCREENING_TEST_DATABASE) is required\n");
    return 2;
  }
  const int total = absl::GetFlag(FLAGS_rows);
  const std::string dbname = absl::StrCat("bench_reseal_", getpid());
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", dbname));
  }
  const std::string url = absl::StrCat(server, " dbname=", dbname);
  if (absl::Status migrated = MigrateServices(url, {"registry"}); !migrated.ok()) {
    std::fprintf(stderr, "bench_reseal: %s\n", migrated.ToString().c_str());
    return 1;
  }
  const std::string k1 = "k1:" + std::string(64, 'a'), k2 = "k2:" + std::string(64, 'c');
  const std::string l1 = std::string(64, 'b'), l2 = std::string(64, 'd');
  db::Pool pool({.url = url, .size = 2});
  {
    auto old_keys = registry::PersonalDataKeys::Parse(k1, l1);
    registry::RegistryStore store(pool, *old_keys);
    constexpr int kChunk = 10000;
    for (int first = 0; first < total; first += kChunk) {
      std::vector<v1::Resident> residents;
      for (int i = first; i < std::min(total, first + kChunk); ++i) {
        v1::Resident& r = residents.emplace_back();
        // Distinct 18-character numbers: the store seals and hashes, it does not validate.
        r.set_id_number(absl::StrFormat("230102%012d", i));
        r.set_full_name(absl::StrCat("居民", i));
        r.set_phone(absl::StrFormat("139%08d", i));
        r.set_district_code("230102");
        r.set_birth_date("1970-01-01");
        r.set_sex(i % 2 ? v1::SEX_MALE : v1::SEX_FEMALE);
        r.set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
      }
      auto stored = store.StoreImportBatch(store.SealImportBatch(residents));
      if (!stored.ok()) {
        std::fprintf(stderr, "bench_reseal: storing: %s\n", stored.status().ToString().c_str());
        return 1;
      }
    }
  }
  auto ring = registry::PersonalDataKeys::Parse(k2 + "," + k1, l2 + "," + l1);
  registry::Resealer resealer(pool, *ring);
  const int batch = absl::GetFlag(FLAGS_batch);
  auto start = Clock::now();
  auto first = resealer.Run({.batch = batch}, [](const registry::Resealer::Totals&) {});
  const double first_seconds = Seconds(start);
  start = Clock::now();
  auto again = resealer.Run({.batch = batch}, [](const registry::Resealer::Totals&) {});
  const double again_seconds = Seconds(start);
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE ", dbname, " WITH (FORCE)"));
  }
  if (!first.ok() || !again.ok()) {
    std::fprintf(stderr, "bench_reseal: %s\n",
                 (first.ok() ? again.status() : first.status()).ToString().c_str());
    return 1;
  }
  std::printf("residents: %d, batch %d\n", total, batch);
  std::printf("reseal, every row rewritten:  %.2f s, %.0f rows/s (%lld rewritten)\n", first_seconds,
              total / first_seconds, static_cast<long long>(first->residents_rewritten));
  std::printf("again, every row already done: %.2f s, %.0f rows/s (%lld rewritten)\n",
              again_seconds, total / again_seconds,
              static_cast<long long>(again->residents_rewritten));
  std::printf(
      "{\"rows\": %d, \"batch\": %d, \"reseal_rows_per_s\": %.0f, \"rescan_rows_per_s\": %.0f}\n",
      total, batch, total / first_seconds, total / again_seconds);
  return first->residents_rewritten == total && again->residents_rewritten == 0 ? 0 : 1;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage("usage: bench_reseal [flags]: how fast screeningd reseal runs");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
