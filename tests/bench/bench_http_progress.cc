// GetProgress over the HTTP face (Connect, JSON) against the same call over
// gRPC, in one run, the two taking turns (issue 16: HTTP at least 0.8 of the
// gRPC rate at 8 clients). screeningd runs in this process on a fresh
// database; each client has its own connection and calls back to back.
//
//   bench_http_progress --server="host=127.0.0.1 port=54329 user=screening"
//                       [--clients=8] [--seconds=3] [--rounds=4]
#include <grpcpp/create_channel.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/help_flags.h"
#include "screening/v1/progress.grpc.pb.h"
#include "services/screeningd/app.h"

ABSL_FLAG(std::string, server, "",
          "libpq settings of the PostgreSQL server, without dbname (tools/devdb conninfo); "
          "defaults to SCREENING_TEST_DATABASE.");
ABSL_FLAG(int, clients, 8, "Clients calling at once, each on its own connection.");
ABSL_FLAG(double, seconds, 3, "Length of each turn.");
ABSL_FLAG(int, rounds, 4, "Turns of each protocol, alternating gRPC and HTTP.");
ABSL_FLAG(bool, http_proto, false,
          "HTTP calls in binary protobuf (application/proto) instead of JSON.");

namespace screening {
namespace {

using Clock = std::chrono::steady_clock;

// Calls per second of `clients` threads running `call` for `seconds`; counts
// failures into `errors`.
template <typename MakeCall>
double Rate(int clients, double seconds, MakeCall make_call, std::atomic<int64_t>& errors) {
  std::atomic<int64_t> calls = 0;
  std::atomic<bool> stop = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      auto call = make_call();
      while (!stop) {
        if (call()) {
          ++calls;
        } else {
          ++errors;
        }
      }
    });
  }
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return calls / std::chrono::duration<double>(Clock::now() - start).count();
}

int Run() {
  std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty() && std::getenv("SCREENING_TEST_DATABASE") != nullptr) {
    server = std::getenv("SCREENING_TEST_DATABASE");
  }
  if (server.empty()) {
    std::fprintf(stderr,
                 "bench_http_progress: --server (or SCREENING_TEST_DATABASE) is required\n");
    return 2;
  }
  const std::string dbname = absl::StrCat("bench_http_", getpid());
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", dbname));
  }
  AppConfig config;
  config.listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.database_url = absl::StrCat(server, " dbname=", dbname);
  config.insecure = true;
  config.data_keys = "bench:" + std::string(64, 'a');
  config.lookup_key_hex = std::string(64, 'b');
  config.rate_limit_per_second = 1e6;
  config.rate_limit_burst = 1e6;
  auto app = App::Start(config);
  if (!app.ok()) {
    std::fprintf(stderr, "bench_http_progress: %s\n", app.status().ToString().c_str());
    return 1;
  }
  const int grpc_port = (*app)->port(), http_port = (*app)->http_port();
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  std::atomic<int64_t> grpc_errors = 0, http_errors = 0;

  auto grpc_client = [&] {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
    auto stub = v1::ProgressService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", grpc_port), grpc::InsecureChannelCredentials(), args));
    return [stub = std::shared_ptr<v1::ProgressService::Stub>(std::move(stub))] {
      grpc::ClientContext context;
      v1::GetProgressRequest request;
      v1::Progress progress;
      return stub->GetProgress(&context, request, &progress).ok();
    };
  };
  auto http_client = [&] {
    auto client = std::make_shared<httplib::Client>("127.0.0.1", http_port);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // as browsers do
    const bool proto = absl::GetFlag(FLAGS_http_proto);
    return [client, proto] {
      // An empty GetProgressRequest: "{}" in JSON, no bytes in protobuf.
      auto result = client->Post("/screening.v1.ProgressService/GetProgress", proto ? "" : "{}",
                                 proto ? "application/proto" : "application/json");
      return result && result->status == 200;
    };
  };

  std::vector<double> grpc_rates, http_rates;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    grpc_rates.push_back(Rate(clients, seconds, grpc_client, grpc_errors));
    http_rates.push_back(Rate(clients, seconds, http_client, http_errors));
    std::printf("round %d: gRPC %.0f calls/s, HTTP %.0f calls/s, ratio %.2f\n", round + 1,
                grpc_rates.back(), http_rates.back(), http_rates.back() / grpc_rates.back());
  }
  (*app)->Shutdown(absl::Seconds(1));
  app->reset();
  {
    pqxx::connection admin(absl::StrCat(server, " dbname=postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE ", dbname, " WITH (FORCE)"));
  }
  double grpc_total = 0, http_total = 0;
  for (double r : grpc_rates) grpc_total += r;
  for (double r : http_rates) http_total += r;
  const double grpc_rate = grpc_total / grpc_rates.size(),
               http_rate = http_total / http_rates.size();
  std::printf(
      "GetProgress, %d clients: gRPC %.0f calls/s, HTTP/JSON %.0f calls/s, ratio %.2f"
      " (errors: gRPC %lld, HTTP %lld)\n",
      clients, grpc_rate, http_rate, http_rate / grpc_rate,
      static_cast<long long>(grpc_errors.load()), static_cast<long long>(http_errors.load()));
  std::printf(
      "{\"clients\": %d, \"grpc_calls_per_s\": %.0f, \"http_calls_per_s\": %.0f, "
      "\"ratio\": %.3f}\n",
      clients, grpc_rate, http_rate, http_rate / grpc_rate);
  return grpc_errors == 0 && http_errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace screening

int main(int argc, char** argv) {
  screening::ShowFlagsOfFileInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "usage: bench_http_progress [flags]: GetProgress over HTTP/JSON against gRPC");
  absl::ParseCommandLine(argc, argv);
  return screening::Run();
}
