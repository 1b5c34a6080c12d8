// Benchmark of ImportResidents (issue 4): N synthetic residents with valid ID
// numbers, spread over Harbin's 18 districts by population, streamed through
// the gRPC API into a fresh database; in the same run, a plain COPY of the
// same rows into a bare table. Prints rows/s of both and their ratio.
//
//   bench_import --server="host=127.0.0.1 port=54329 user=screening" [--rows=800000]
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto.h"
#include "common/dates.h"
#include "common/districts.h"
#include "common/help_flags.h"
#include "screening/v1/registry.grpc.pb.h"
#include "services/registry/id_number.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, server, "",
          "libpq settings of the PostgreSQL server, without dbname (tools/devdb conninfo); "
          "defaults to SCREENING_TEST_DATABASE.");
ABSL_FLAG(int, rows, 800000, "How many residents to import.");
ABSL_FLAG(int, rows_per_message, 5000, "Rows per ImportResidents message.");

namespace screening {
namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string id_number, full_name, phone, district_code, birth_date;
  int sex;
};

// Splits `total` over the districts by population, largest remainder first.
std::vector<int64_t> SplitByPopulation(int64_t total) {
  auto districts = HarbinDistricts();
  int64_t population = 0;
  for (const auto& d : districts) population += d.population_2010;
  std::vector<int64_t> parts;
  std::vector<std::pair<int64_t, size_t>> remainders;
  int64_t assigned = 0;
  for (size_t i = 0; i < districts.size(); ++i) {
    const int64_t exact = total * districts[i].population_2010;
    parts.push_back(exact / population);
    remainders.push_back({exact % population, i});
    assigned += parts.back();
  }
  std::sort(remainders.rbegin(), remainders.rend());
  for (int64_t i = 0; i < total - assigned; ++i) ++parts[remainders[i].second];
  return parts;
}

std::vector<Row> MakeRows(int total) {
  std::vector<Row> rows;
  rows.reserve(total);
  auto districts = HarbinDistricts();
  std::vector<int64_t> parts = SplitByPopulation(total);
  int n = 0;
  for (size_t d = 0; d < districts.size(); ++d) {
    for (int64_t k = 0; k < parts[d]; ++k, ++n) {
      // A unique (birth date, sequence) per row: 5,479 days × 999 sequences.
      const absl::CivilDay birth = absl::CivilDay(1965, 1, 1) + (n % 5479);
      const int sequence = 1 + (n / 5479) % 999;
      std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", districts[d].code, birth.year(),
                                            birth.month(), birth.day(), sequence);
      rows.push_back({first17 + registry::IdCheckCharacter(first17), absl::StrCat("居民", n),
                      absl::StrFormat("138%08d", n), std::string(districts[d].code),
                      FormatDate(birth), sequence % 2 == 1 ? 1 : 2});
    }
  }
  return rows;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

int Run() {
  std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty() && std::getenv("SCREENING_TEST_DATABASE")) {
    server = std::getenv("SCREENING_TEST_DATABASE");
  }
  if (server.empty()) {
    std::fprintf(stderr, "bench_import: --server (or SCREENING_TEST_DATABASE) is required\n");
    return 2;
  }
  const int total = absl::GetFlag(FLAGS_rows);
  const std::string dbname = absl::StrCat("bench_import_", getpid());
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", dbname));
  }
  const std::string url = absl::StrCat(server, " dbname=", dbname);
  std::vector<Row> rows = MakeRows(total);

  AppConfig config;
  config.listen = "127.0.0.1:0";
  config.database_url = url;
  config.insecure = true;
  config.data_keys = "bench:" + std::string(64, 'a');
  config.lookup_key_hex = std::string(64, 'b');
  config.services = {"admin", "registry"};
  auto app = App::Start(config);
  if (!app.ok()) {
    std::fprintf(stderr, "bench_import: %s\n", app.status().ToString().c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*app)->port()),
                                     grpc::InsecureChannelCredentials());
  auto registry = v1::RegistryService::NewStub(channel);

  // Messages are built before the clock starts: the client's work is not
  // the server's.
  const int per_message = absl::GetFlag(FLAGS_rows_per_message);
  std::vector<v1::ImportResidentsRequest> messages;
  for (int i = 0; i < total; i += per_message) {
    v1::ImportResidentsRequest& m = messages.emplace_back();
    for (int j = i; j < std::min(total, i + per_message); ++j) {
      v1::ImportRow* row = m.add_rows();
      row->set_row_number(j + 1);
      auto* r = row->mutable_resident();
      r->set_id_number(rows[j].id_number);
      r->set_full_name(rows[j].full_name);
      r->set_phone(rows[j].phone);
      r->set_district_code(rows[j].district_code);
      r->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
    }
  }

  auto start = Clock::now();
  grpc::ClientContext context;
  auto stream = registry->ImportResidents(&context);
  v1::ImportResidentsResponse progress;
  std::thread reader([&] {
    v1::ImportResidentsResponse message;
    while (stream->Read(&message)) progress = message;
  });
  for (const auto& m : messages) stream->Write(m);
  v1::ImportResidentsRequest last;  // the protocol's last message: how many rows
  int64_t sent = 0;
  for (const auto& m : messages) sent += m.rows_size();
  last.set_total_rows(sent);
  stream->Write(last);
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  const double import_seconds = Seconds(start);
  if (!status.ok() || progress.rows_stored() != total) {
    std::fprintf(stderr, "bench_import: import failed: %s (stored %ld of %d, rejected %ld)\n",
                 status.error_message().c_str(), static_cast<long>(progress.rows_stored()), total,
                 static_cast<long>(progress.rows_rejected()));
    return 1;
  }
  (*app)->Shutdown(absl::Seconds(5));

  // The baseline: the same rows, plain, into a bare table by COPY.
  pqxx::connection conn(url);
  {
    pqxx::work tx(conn);
    tx.exec(
        "CREATE TABLE bare (id_number text, full_name text, phone text, district_code text,"
        " birth_date date, sex smallint)");
    tx.commit();
  }
  start = Clock::now();
  {
    pqxx::work tx(conn);
    pqxx::stream_to copy(tx, "bare",
                         std::vector<std::string>{"id_number", "full_name", "phone",
                                                  "district_code", "birth_date", "sex"});
    for (const Row& r : rows) {
      copy << std::make_tuple(r.id_number, r.full_name, r.phone, r.district_code, r.birth_date,
                              r.sex);
    }
    copy.complete();
    tx.commit();
  }
  const double copy_seconds = Seconds(start);

  // Bytes as bytea text for COPY.
  auto bytea = [](const std::string& bytes) { return absl::StrCat("\\x", HexEncode(bytes)); };
  // A second baseline: the stored form of the rows (sealed values and keyed
  // hashes as the import writes them, hex text), into a bare table with no
  // index, sealing included. It separates the cost of the bytes and the
  // crypto from that of the API, the validation and the indexes.
  auto keys = DataKeys::Parse(config.data_keys);
  const std::string lookup_key = *HexDecode(config.lookup_key_hex);
  {
    pqxx::work tx(conn);
    tx.exec(
        "CREATE TABLE bare_sealed (id_hash bytea, id_number_sealed bytea,"
        " full_name_sealed bytea, phone_sealed bytea, district_code text, birth_date date,"
        " sex smallint)");
    tx.commit();
  }
  start = Clock::now();
  {
    pqxx::work tx(conn);
    pqxx::stream_to copy(
        tx, "bare_sealed",
        std::vector<std::string>{"id_hash", "id_number_sealed", "full_name_sealed", "phone_sealed",
                                 "district_code", "birth_date", "sex"});
    for (const Row& r : rows) {
      copy << std::make_tuple(bytea(LookupHash(lookup_key, r.id_number)),
                              bytea(keys->Seal(r.id_number)), bytea(keys->Seal(r.full_name)),
                              bytea(keys->Seal(r.phone)), r.district_code, r.birth_date, r.sex);
    }
    copy.complete();
    tx.commit();
  }
  const double sealed_seconds = Seconds(start);

  // A third: the database's share of an import and nothing else. The rows
  // sealed and hashed before the clock starts, then one COPY of them into a
  // table shaped like registry.residents (its columns, defaults, checks and
  // indexes). No import can beat this ratio without storing less.
  struct StoredRow {
    std::string id_hash, id_number, full_name, phone, person_hash;
  };
  std::vector<StoredRow> stored;
  stored.reserve(rows.size());
  for (const Row& r : rows) {
    // The person hash: a keyed hash of name, birth date and phone (32 bytes).
    const std::string person = absl::StrCat(r.full_name, "|", r.birth_date, "|", r.phone);
    stored.push_back({bytea(LookupHash(lookup_key, r.id_number)), bytea(keys->Seal(r.id_number)),
                      bytea(keys->Seal(r.full_name)), bytea(keys->Seal(r.phone)),
                      bytea(LookupHash(lookup_key, person))});
  }
  {
    pqxx::work tx(conn);
    tx.exec("CREATE TABLE residents_shaped (LIKE registry.residents INCLUDING ALL)");
    tx.commit();
  }
  start = Clock::now();
  {
    pqxx::work tx(conn);
    pqxx::stream_to copy(
        tx, "residents_shaped",
        std::vector<std::string>{"id_hash", "id_number_sealed", "full_name_sealed", "phone_sealed",
                                 "district_code", "birth_date", "sex", "residence_kind",
                                 "digestive_cancer_history", "person_hash"});
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const StoredRow& s = stored[i];
      copy << std::make_tuple(s.id_hash, s.id_number, s.full_name, s.phone, r.district_code,
                              r.birth_date, r.sex, 1, false, s.person_hash);
    }
    copy.complete();
    tx.commit();
  }
  const double shaped_seconds = Seconds(start);
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE ", dbname, " WITH (FORCE)"));
  }
  const double import_rate = total / import_seconds, copy_rate = total / copy_seconds,
               sealed_rate = total / sealed_seconds, shaped_rate = total / shaped_seconds;
  std::printf("rows: %d over 18 districts by population\n", total);
  std::printf("ImportResidents (gRPC, validate, seal, hash, COPY + INSERT): %.2f s, %.0f rows/s\n",
              import_seconds, import_rate);
  std::printf("plain COPY into a bare table:                               %.2f s, %.0f rows/s\n",
              copy_seconds, copy_rate);
  std::printf("seal, hash and COPY the stored form into a bare table:       %.2f s, %.0f rows/s\n",
              sealed_seconds, sealed_rate);
  std::printf("COPY of the sealed rows into a table shaped like registry.residents:\n");
  std::printf("                                                             %.2f s, %.0f rows/s\n",
              shaped_seconds, shaped_rate);
  std::printf("ratio import/COPY: %.2f (import/sealed COPY: %.2f)\n", import_rate / copy_rate,
              import_rate / sealed_rate);
  std::printf("ceiling: residents-shaped COPY/plain COPY: %.2f (import reaches %.2f of it)\n",
              shaped_rate / copy_rate, import_rate / shaped_rate);
  std::printf(
      "{\"rows\": %d, \"import_rows_per_s\": %.0f, \"copy_rows_per_s\": %.0f, "
      "\"sealed_copy_rows_per_s\": %.0f, \"shaped_copy_rows_per_s\": %.0f, \"ratio\": %.3f, "
      "\"ceiling_ratio\": %.3f}\n",
      total, import_rate, copy_rate, sealed_rate, shaped_rate, import_rate / copy_rate,
      shaped_rate / copy_rate);
  return 0;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage("usage: bench_import [flags]: the import's ratio to a plain COPY");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
