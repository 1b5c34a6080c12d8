#include "services/screeningd/app.h"

#include <cstdio>

#include <grpcpp/create_channel.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/migrations.h"
#include "services/progress/outbox_consumer.h"
#include "services/progress/progress_store.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store.h"
#include "services/results/results_service.h"
#include "services/results/results_store.h"
#include "services/scheduling/scheduling_service.h"
#include "services/scheduling/scheduling_store.h"

namespace screening {
namespace registry {
const std::vector<Migration>& Migrations();
}
namespace scheduling {
const std::vector<Migration>& Migrations();
}
namespace results {
const std::vector<Migration>& Migrations();
}
namespace progress {
const std::vector<Migration>& Migrations();
}

namespace {

const std::vector<Migration>& MigrationsOf(const std::string& service) {
  if (service == "registry") return registry::Migrations();
  if (service == "scheduling") return scheduling::Migrations();
  if (service == "results") return results::Migrations();
  return progress::Migrations();
}

// The services each one calls through its stubs.
const std::map<std::string, std::vector<std::string>>& Dependencies() {
  static const std::map<std::string, std::vector<std::string>> kDependencies = {
      {"registry", {}},
      {"scheduling", {"registry"}},
      {"results", {"scheduling"}},
      {"progress", {"results"}},
  };
  return kDependencies;
}

const std::map<std::string, std::string>& GrpcServiceNames() {
  static const std::map<std::string, std::string> kNames = {
      {"registry", "screening.v1.RegistryService"},
      {"scheduling", "screening.v1.SchedulingService"},
      {"results", "screening.v1.ResultsService"},
      {"progress", "screening.v1.ProgressService"},
  };
  return kNames;
}

std::string AddressOf(const AppConfig& config, const std::string& service) {
  if (service == "registry") return config.registry_address;
  if (service == "scheduling") return config.scheduling_address;
  if (service == "results") return config.results_address;
  return "";
}

}  // namespace

absl::StatusOr<std::set<std::string>> ParseServices(absl::string_view text) {
  if (text == "all") return std::set<std::string>(AllServices().begin(), AllServices().end());
  std::set<std::string> services;
  for (absl::string_view name : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    if (std::find(AllServices().begin(), AllServices().end(), name) == AllServices().end()) {
      return absl::InvalidArgumentError(absl::StrCat("--services: unknown service '", name,
                                                     "'; known: all, ",
                                                     absl::StrJoin(AllServices(), ", ")));
    }
    services.emplace(name);
  }
  if (services.empty()) return absl::InvalidArgumentError("--services: name at least one service");
  return services;
}

absl::Status AppConfig::Validate() const {
  std::vector<std::string> problems;
  if (database_url.empty()) {
    problems.push_back("--database_url (or SCREENING_DATABASE_URL) is required");
  }
  if (listen.empty()) problems.push_back("--listen is required");
  for (const auto& service : services) {
    for (const auto& dependency : Dependencies().at(service)) {
      if (!services.count(dependency) && AddressOf(*this, dependency).empty()) {
        problems.push_back(absl::StrCat(service, " calls ", dependency,
                                        ": host it here or set --", dependency, "_address"));
      }
    }
  }
  if (db_pool_size < 1 || db_pool_size > 200) problems.push_back("--db_pool_size must be 1 to 200");
  if (targets.programme_year < 2024 || targets.programme_year > 2100) {
    problems.push_back("--programme_year must be 2024 to 2100");
  }
  if (targets.persons < 0 || targets.nipt < 0) problems.push_back("targets must not be negative");
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status MigrateServices(const std::string& database_url,
                             const std::set<std::string>& services) {
  for (const auto& service : AllServices()) {
    if (!services.count(service)) continue;
    absl::Status status = ApplyMigrations(database_url, service, MigrationsOf(service));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Everything a hosted service owns. Members are destroyed in reverse order:
// handlers before stores before pools.
struct App::Hosted {
  std::vector<std::unique_ptr<db::Pool>> pools;
  std::unique_ptr<registry::RegistryStore> registry_store;
  std::unique_ptr<registry::RegistryServiceImpl> registry;
  std::unique_ptr<scheduling::SchedulingStore> scheduling_store;
  std::unique_ptr<scheduling::SchedulingServiceImpl> scheduling;
  std::unique_ptr<results::ResultsStore> results_store;
  std::unique_ptr<results::ResultsServiceImpl> results;
  std::unique_ptr<progress::ProgressStore> progress_store;
  std::unique_ptr<progress::ProgressServiceImpl> progress;
  std::unique_ptr<progress::OutboxConsumer> consumer;
};

absl::StatusOr<std::unique_ptr<App>> App::Start(AppConfig config) {
  if (absl::Status valid = config.Validate(); !valid.ok()) return valid;
  if (config.migrate_on_start) {
    if (absl::Status migrated = MigrateServices(config.database_url, config.services);
        !migrated.ok()) {
      return migrated;
    }
  }
  std::unique_ptr<App> app(new App());
  app->config_ = std::move(config);
  const AppConfig& c = app->config_;
  const Clock& clock = c.clock ? *c.clock : app->system_clock_;
  app->hosted_ = std::make_unique<Hosted>();
  Hosted& h = *app->hosted_;
  auto new_pool = [&]() -> db::Pool& {
    h.pools.push_back(std::make_unique<db::Pool>(db::Pool::Options{.url = c.database_url,
                                                                   .size = c.db_pool_size}));
    return *h.pools.back();
  };

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(c.listen, grpc::InsecureServerCredentials(), &app->port_);
  if (c.services.count("registry")) {
    h.registry_store = std::make_unique<registry::RegistryStore>(new_pool());
    h.registry = std::make_unique<registry::RegistryServiceImpl>(*h.registry_store, clock,
                                                                 registry::EligibilityRules{});
    builder.RegisterService(h.registry.get());
  }
  if (c.services.count("scheduling")) {
    h.scheduling_store = std::make_unique<scheduling::SchedulingStore>(new_pool());
    h.scheduling = std::make_unique<scheduling::SchedulingServiceImpl>(*h.scheduling_store,
                                                                       app->peers_, clock);
    builder.RegisterService(h.scheduling.get());
  }
  if (c.services.count("results")) {
    h.results_store = std::make_unique<results::ResultsStore>(new_pool());
    h.results = std::make_unique<results::ResultsServiceImpl>(*h.results_store, app->peers_, clock,
                                                              results::FourHighsRules{});
    builder.RegisterService(h.results.get());
  }
  if (c.services.count("progress")) {
    h.progress_store = std::make_unique<progress::ProgressStore>(new_pool());
    h.progress = std::make_unique<progress::ProgressServiceImpl>(*h.progress_store, c.targets);
    builder.RegisterService(h.progress.get());
    h.consumer = std::make_unique<progress::OutboxConsumer>(*h.progress_store, app->peers_,
                                                            c.consumer_poll_interval);
  }
  app->server_ = builder.BuildAndStart();
  if (!app->server_ || app->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", c.listen));
  }

  // Peers: the in-process channel for a service hosted here, else the network.
  for (const auto& [service, grpc_name] : GrpcServiceNames()) {
    if (c.services.count(service)) {
      app->peers_.Bind(service, app->server_->InProcessChannel(grpc::ChannelArguments()));
    } else if (!AddressOf(c, service).empty()) {
      app->peers_.Bind(service, grpc::CreateChannel(AddressOf(c, service),
                                                    grpc::InsecureChannelCredentials()));
    }
  }
  if (h.consumer) h.consumer->Start();
  app->WatchHealth();
  return app;
}

// Serving while every pool reaches the database; checked every interval, so
// health follows the database down and back up without a restart.
void App::WatchHealth() {
  auto* health = server_->GetHealthCheckService();
  auto check = [this, health] {
    bool serving = true;
    for (const auto& pool : hosted_->pools) serving = serving && pool->Ping().ok();
    health->SetServingStatus(serving);
    return serving;
  };
  check();
  health_thread_ = std::thread([this, check] {
    bool was_serving = true;
    while (!stopping_.WaitForNotificationWithTimeout(config_.health_interval)) {
      const bool serving = check();
      if (serving != was_serving) {
        std::fprintf(stderr, "screeningd: %s\n",
                     serving ? "database reachable again: SERVING"
                             : "database unreachable: NOT_SERVING");
      }
      was_serving = serving;
    }
  });
}

void App::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mu_);
  if (stopped_.HasBeenNotified()) return;
  stopping_.Notify();
  if (health_thread_.joinable()) health_thread_.join();
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  // In-flight calls finish (until the deadline); new ones are refused.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  if (hosted_->consumer) hosted_->consumer->Stop();
  stopped_.Notify();
}

void App::Wait() { stopped_.WaitForNotification(); }

App::~App() { Shutdown(absl::ZeroDuration()); }

}  // namespace screening
