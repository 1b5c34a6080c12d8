// The whole service, in process, on a loopback port chosen by the kernel,
// with typed stubs over a real network channel: what a hospital would see.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "screening/internal/v1/registry.grpc.pb.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "screening/v1/admin.grpc.pb.h"
#include "screening/v1/progress.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/results.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/screeningd/app.h"

namespace screening::testing {

// 2025-03-03 09:00 in Harbin: a Monday in the 2025 programme.
absl::Time DefaultTestNow();

// Every gRPC service of ours that screeningd serves (health and reflection
// aside), the public API and what only services call.
const std::vector<std::string>& ScreeningServices();

class TestServer {
 public:
  // Starts an App on 127.0.0.1:0 against `database_url`, with `clock` (not
  // owned; must outlive the server). `config` fills the rest.
  // `credentials`: how the test's channels connect (default: plain text).
  static absl::StatusOr<std::unique_ptr<TestServer>> Start(
      const std::string& database_url, const Clock* clock, AppConfig config = {},
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  ~TestServer();

  int port() const { return app_->port(); }
  std::string address() const;
  App& app() { return *app_; }

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // A new channel, for tests that want clients on separate connections;
  // with other credentials than the server's default (e.g. another client
  // certificate) when given.
  std::shared_ptr<grpc::Channel> NewChannel(
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) const;

  v1::RegistryService::Stub& registry() { return *registry_; }
  v1::SchedulingService::Stub& scheduling() { return *scheduling_; }
  v1::ResultsService::Stub& results() { return *results_; }
  v1::ProgressService::Stub& progress() { return *progress_; }
  v1::AdminService::Stub& admin() { return *admin_; }
  grpc::health::v1::Health::Stub& health() { return *health_; }
  // What only services call (screening.internal.v1).
  internal::v1::RegistryInternalService::Stub& registry_internal() { return *registry_internal_; }
  internal::v1::SchedulingInternalService::Stub& scheduling_internal() {
    return *scheduling_internal_;
  }
  internal::v1::ResultsInternalService::Stub& results_internal() { return *results_internal_; }

 private:
  std::unique_ptr<App> app_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::SchedulingService::Stub> scheduling_;
  std::unique_ptr<v1::ResultsService::Stub> results_;
  std::unique_ptr<v1::ProgressService::Stub> progress_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<internal::v1::RegistryInternalService::Stub> registry_internal_;
  std::unique_ptr<internal::v1::SchedulingInternalService::Stub> scheduling_internal_;
  std::unique_ptr<internal::v1::ResultsInternalService::Stub> results_internal_;
};

}  // namespace screening::testing
