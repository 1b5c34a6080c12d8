// The one place services are wired: which ones this process hosts, their
// database pools, stores and handlers, the channels between them, health and
// shutdown. `screeningd` and the tests both start the service through App.
//
//   AppConfig config;
//   config.database_url = "postgresql://...";
//   auto app = App::Start(config);   // migrates, listens, serves
//   (*app)->port();                  // the port chosen for ":0"
//   (*app)->Shutdown(absl::Seconds(10));
#pragma once

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/db.h"
#include "common/peers.h"
#include "services/progress/progress_service.h"

namespace screening {

// The services one process can host, in dependency order.
inline const std::vector<std::string>& AllServices() {
  static const std::vector<std::string> kAll = {"registry", "scheduling", "results", "progress"};
  return kAll;
}

struct AppConfig {
  std::string listen = "127.0.0.1:50051";
  std::string database_url;
  std::set<std::string> services = {AllServices().begin(), AllServices().end()};
  // Where services this process does not host are reached.
  std::string registry_address, scheduling_address, results_address;
  progress::Targets targets;
  int db_pool_size = 8;
  absl::Duration consumer_poll_interval = absl::Milliseconds(100);
  absl::Duration health_interval = absl::Seconds(1);
  bool migrate_on_start = true;
  const Clock* clock = nullptr;  // null: the system clock

  // INVALID_ARGUMENT describing each bad setting; the process then refuses to start.
  absl::Status Validate() const;
};

// Parses `all` or a comma list of service names.
absl::StatusOr<std::set<std::string>> ParseServices(absl::string_view text);

// Applies the migrations of the given services.
absl::Status MigrateServices(const std::string& database_url,
                             const std::set<std::string>& services);

class App {
 public:
  static absl::StatusOr<std::unique_ptr<App>> Start(AppConfig config);
  ~App();

  int port() const { return port_; }

  // Stops taking calls, lets in-flight calls finish until `grace`, then
  // stops the background threads. Safe to call more than once.
  void Shutdown(absl::Duration grace);

  // Blocks until Shutdown has finished.
  void Wait();

 private:
  struct Hosted;
  App() = default;
  void RegisterHandlers(grpc::ServerBuilder& builder, const Clock& clock);
  void WatchHealth();

  AppConfig config_;
  SystemClock system_clock_;
  std::unique_ptr<Hosted> hosted_;
  std::unique_ptr<grpc::Server> server_;           // the port clients call
  std::unique_ptr<grpc::Server> internal_server_;  // in-process calls between services
  Peers peers_;
  int port_ = 0;
  std::thread health_thread_;
  absl::Notification stopping_, stopped_;
  absl::Mutex shutdown_mu_;
};

}  // namespace screening
