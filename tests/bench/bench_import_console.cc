// Benchmark of the console's import path (issue 17): a clinic's list sent
// as the browser sends it, in ImportResidentRows chunks of JSON over the
// HTTP face (Connect), two chunks in flight, against the same number of rows
// through the gRPC ImportResidents stream, taking turns in one run. Each
// import stores new residents (every turn has rows of its own), so both do
// the whole work. Prints rows/s of both and their ratio.
//
//   bench_import_console --server="host=127.0.0.1 port=54329 user=screening" [--rows=100000]
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "screening/v1/registry.grpc.pb.h"
#include "services/registry/id_number.h"
#include "services/screeningd/app.h"
#include "tests/bench/bench_database.h"

ABSL_FLAG(std::string, server, "",
          "libpq settings of the PostgreSQL server, without dbname (tools/devdb conninfo); "
          "defaults to SCREENING_TEST_DATABASE.");
ABSL_FLAG(int, rows, 100000, "Rows per import.");
ABSL_FLAG(int, rounds, 2, "Turns of each (gRPC, then HTTP).");
ABSL_FLAG(int, chunk_rows, 5000, "Rows per ImportResidentRows chunk (the console sends 5,000).");
ABSL_FLAG(int, in_flight, 2, "Chunks in flight at once (the console sends two).");

namespace screening {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

// Rows [first, first + count) of one endless list of distinct residents of
// Daoli: a unique (birth date, sequence) per row.
std::vector<v1::ImportRow> MakeRows(int first, int count) {
  std::vector<v1::ImportRow> rows;
  rows.reserve(count);
  for (int n = first; n < first + count; ++n) {
    const absl::CivilDay birth = absl::CivilDay(1965, 1, 1) + (n % 5479);
    const int sequence = 1 + (n / 5479) % 999;
    const std::string first17 = absl::StrFormat("230102%04d%02d%02d%03d", birth.year(),
                                                birth.month(), birth.day(), sequence);
    v1::ImportRow& row = rows.emplace_back();
    row.set_row_number(n - first + 1);
    v1::Resident* r = row.mutable_resident();
    r->set_id_number(first17 + registry::IdCheckCharacter(first17));
    r->set_full_name(absl::StrCat("居民", n));
    r->set_phone(absl::StrFormat("138%08d", n));
    r->set_district_code("230102");
    r->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  }
  return rows;
}

// The gRPC stream, 5,000 rows a message as screenctl sends; returns rows stored.
int64_t ImportByStream(v1::RegistryService::Stub& registry,
                       const std::vector<v1::ImportRow>& rows) {
  grpc::ClientContext context;
  auto stream = registry.ImportResidents(&context);
  v1::ImportResidentsResponse progress;
  std::thread reader([&] {
    v1::ImportResidentsResponse message;
    while (stream->Read(&message)) progress = message;
  });
  for (size_t i = 0; i < rows.size(); i += 5000) {
    v1::ImportResidentsRequest batch;
    for (size_t j = i; j < std::min(rows.size(), i + 5000); ++j) *batch.add_rows() = rows[j];
    if (i + 5000 >= rows.size()) batch.set_total_rows(rows.size());
    stream->Write(batch);
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  if (!status.ok()) std::fprintf(stderr, "stream: %s\n", status.error_message().c_str());
  return progress.rows_stored();
}

// The console's way: JSON chunks, `in_flight` at a time, each on its own
// kept-alive connection as a browser's fetches are. The bodies are made
// before the clock starts (a browser makes them from the file as it reads).
int64_t ImportByChunks(int http_port, const std::vector<std::string>& bodies, int in_flight) {
  std::atomic<size_t> next = 0;
  std::atomic<int64_t> stored = 0;
  std::vector<std::thread> senders;
  for (int t = 0; t < in_flight; ++t) {
    senders.emplace_back([&] {
      httplib::Client client("127.0.0.1", http_port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(120, 0);
      for (size_t i = next++; i < bodies.size(); i = next++) {
        auto answer = client.Post("/screening.v1.RegistryService/ImportResidentRows", bodies[i],
                                  "application/json");
        if (!answer || answer->status != 200) {
          std::fprintf(stderr, "chunk %zu: %s\n", i,
                       answer ? answer->body.substr(0, 300).c_str() : "no answer");
          continue;
        }
        v1::ImportResidentRowsResponse response;
        if (google::protobuf::util::JsonStringToMessage(answer->body, &response).ok()) {
          stored += response.rows_stored();
        }
      }
    });
  }
  for (auto& s : senders) s.join();
  return stored;
}

int Run() {
  auto db = bench::BenchDatabase::Create(absl::GetFlag(FLAGS_server), "bench_import_console");
  if (db == nullptr) return 2;
  const int rows = absl::GetFlag(FLAGS_rows), rounds = absl::GetFlag(FLAGS_rounds);
  const int chunk_rows = absl::GetFlag(FLAGS_chunk_rows);
  AppConfig config;
  config.listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.database_url = db->url();
  config.insecure = true;
  config.data_keys = "bench:" + std::string(64, 'a');
  config.lookup_key_hex = std::string(64, 'b');
  config.services = {"admin", "registry"};
  config.rate_limit_per_second = 1e6;
  config.rate_limit_burst = 1e6;
  int exit_code = 0;
  {
    auto app = App::Start(config);
    if (!app.ok()) {
      std::fprintf(stderr, "bench_import_console: %s\n", app.status().ToString().c_str());
      return 1;
    }
    auto registry = v1::RegistryService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", (*app)->port()), grpc::InsecureChannelCredentials()));
    std::vector<double> grpc_rates, http_rates;
    int first = 0;
    for (int round = 1; round <= rounds; ++round) {
      const std::vector<v1::ImportRow> stream_rows = MakeRows(first, rows);
      first += rows;
      auto start = SteadyClock::now();
      const int64_t by_stream = ImportByStream(*registry, stream_rows);
      grpc_rates.push_back(rows / Seconds(start));

      const std::vector<v1::ImportRow> chunk_rows_list = MakeRows(first, rows);
      first += rows;
      std::vector<std::string> bodies;
      for (int i = 0; i < rows; i += chunk_rows) {
        v1::ImportResidentRowsRequest chunk;
        for (int j = i; j < std::min(rows, i + chunk_rows); ++j) {
          *chunk.add_rows() = chunk_rows_list[j];
        }
        google::protobuf::util::MessageToJsonString(chunk, &bodies.emplace_back());
      }
      start = SteadyClock::now();
      const int64_t by_chunks =
          ImportByChunks((*app)->http_port(), bodies, absl::GetFlag(FLAGS_in_flight));
      http_rates.push_back(rows / Seconds(start));
      std::printf(
          "round %d: gRPC stream %.0f rows/s (%ld stored), console chunks %.0f rows/s "
          "(%ld stored, %zu chunks of %d, %zu KB each), ratio %.3f\n",
          round, grpc_rates.back(), static_cast<long>(by_stream), http_rates.back(),
          static_cast<long>(by_chunks), bodies.size(), chunk_rows, bodies.front().size() / 1024,
          http_rates.back() / grpc_rates.back());
      if (by_stream != rows || by_chunks != rows) exit_code = 1;
    }
    double grpc_sum = 0, http_sum = 0;
    for (int i = 0; i < rounds; ++i) grpc_sum += grpc_rates[i], http_sum += http_rates[i];
    std::printf("overall: gRPC stream %.0f rows/s, console chunks %.0f rows/s, ratio %.3f\n",
                grpc_sum / rounds, http_sum / rounds, http_sum / grpc_sum);
    (*app)->Shutdown(absl::Seconds(2));
  }
  return exit_code;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("The console's chunked import against the gRPC stream.");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
