#include "tests/support/test_server.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"

namespace screening::testing {

const std::vector<std::string>& ScreeningServices() {
  static const auto* kServices =
      new std::vector<std::string>{"screening.v1.RegistryService",
                                   "screening.v1.SchedulingService",
                                   "screening.v1.ResultsService",
                                   "screening.v1.ProgressService",
                                   "screening.v1.AdminService",
                                   "screening.v1.AccountService",
                                   "screening.v1.NotificationService",
                                   "screening.internal.v1.RegistryInternalService",
                                   "screening.internal.v1.SchedulingInternalService",
                                   "screening.internal.v1.ResultsInternalService"};
  return *kServices;
}

absl::Time DefaultTestNow() {
  return absl::FromCivil(absl::CivilSecond(2025, 3, 3, 9, 0, 0), HarbinTimeZone());
}

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    const std::string& database_url, const Clock* clock, AppConfig config,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  config.listen = "127.0.0.1:0";
  config.database_url = database_url;
  config.clock = clock;
  config.migrate_on_start = true;
  // Plain text unless the test set up TLS; fixed keys unless it chose its own.
  if (config.tls_cert_pem.empty()) config.insecure = true;
  if (config.data_keys.empty()) config.data_keys = "test1:" + std::string(64, 'a');
  if (config.lookup_key_hex.empty()) config.lookup_key_hex = std::string(64, 'b');
  // The fake clock never refills a rate bucket: unless a test is about rate
  // limits, make them too high to matter.
  const AppConfig defaults;
  if (config.rate_limit_per_second == defaults.rate_limit_per_second &&
      config.rate_limit_burst == defaults.rate_limit_burst) {
    config.rate_limit_per_second = 1e9;
    config.rate_limit_burst = 1e9;
  }
  auto app = App::Start(std::move(config));
  if (!app.ok()) return app.status();
  std::unique_ptr<TestServer> server(new TestServer());
  server->app_ = *std::move(app);
  server->credentials_ = credentials ? credentials : grpc::InsecureChannelCredentials();
  server->channel_ = server->NewChannel();
  server->registry_ = v1::RegistryService::NewStub(server->channel_);
  server->scheduling_ = v1::SchedulingService::NewStub(server->channel_);
  server->results_ = v1::ResultsService::NewStub(server->channel_);
  server->progress_ = v1::ProgressService::NewStub(server->channel_);
  server->admin_ = v1::AdminService::NewStub(server->channel_);
  server->health_ = grpc::health::v1::Health::NewStub(server->channel_);
  server->registry_internal_ = internal::v1::RegistryInternalService::NewStub(server->channel_);
  server->scheduling_internal_ = internal::v1::SchedulingInternalService::NewStub(server->channel_);
  server->results_internal_ = internal::v1::ResultsInternalService::NewStub(server->channel_);
  return server;
}

TestServer::~TestServer() {
  if (app_) app_->Shutdown(absl::Seconds(5));
}

std::string TestServer::address() const { return absl::StrCat("127.0.0.1:", app_->port()); }

std::shared_ptr<grpc::Channel> TestServer::NewChannel(
    std::shared_ptr<grpc::ChannelCredentials> credentials) const {
  grpc::ChannelArguments args;
  // Separate channels get separate TCP connections.
  args.SetInt("grpc.use_local_subchannel_pool", 1);
  // Test certificates are issued to "localhost".
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel(address(), credentials ? credentials : credentials_, args);
}

}  // namespace screening::testing
