// Health follows the database: NOT_SERVING while it is unreachable, SERVING
// again when it returns, with no restart; calls meanwhile fail UNAVAILABLE.
#include <grpcpp/client_context.h>

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tests/support/grpc_matchers.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

namespace screening::testing {
namespace {

using Health = grpc::health::v1::HealthCheckResponse;

// The port in SCREENING_TEST_DATABASE's "host=.. port=.." settings.
int DatabasePort() {
  const char* settings = std::getenv("SCREENING_TEST_DATABASE");
  for (absl::string_view part : absl::StrSplit(settings ? settings : "", ' ')) {
    int port = 0;
    if (absl::ConsumePrefix(&part, "port=") && absl::SimpleAtoi(part, &port)) return port;
  }
  return 5432;
}

Health::ServingStatus Check(TestServer& server, const std::string& service) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  Health response;
  grpc::Status status = server.health().Check(&context, request, &response);
  return status.ok() ? response.status() : Health::UNKNOWN;
}

bool WaitFor(TestServer& server, Health::ServingStatus want) {
  for (int i = 0; i < 100; ++i) {
    if (Check(server, "") == want) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

TEST(Health, FollowsTheDatabaseDownAndBackUp) {
  auto db = TestDatabase::Create("health");
  ASSERT_TRUE(db.ok()) << db.status();
  TcpProxy proxy("127.0.0.1", DatabasePort());
  FakeClock clock(DefaultTestNow());
  AppConfig config;
  config.health_interval = absl::Milliseconds(100);
  // libpq takes the last of repeated settings: the proxy's port wins.
  auto server = TestServer::Start(absl::StrCat((*db)->url(), " host=127.0.0.1 port=", proxy.port()),
                                  &clock, config);
  ASSERT_TRUE(server.ok()) << server.status();

  EXPECT_TRUE(WaitFor(**server, Health::SERVING));
  EXPECT_EQ(Check(**server, "screening.v1.SchedulingService"), Health::SERVING);

  proxy.Cut();
  EXPECT_TRUE(WaitFor(**server, Health::NOT_SERVING));
  EXPECT_EQ(Check(**server, "screening.v1.RegistryService"), Health::NOT_SERVING);
  {
    grpc::ClientContext context;
    v1::GetProgressRequest request;
    v1::Progress progress;
    EXPECT_THAT((*server)->progress().GetProgress(&context, request, &progress),
                GrpcIs(grpc::StatusCode::UNAVAILABLE));
  }

  proxy.Restore();
  EXPECT_TRUE(WaitFor(**server, Health::SERVING));
  grpc::ClientContext context;
  v1::GetProgressRequest request;
  v1::Progress progress;
  EXPECT_TRUE((*server)->progress().GetProgress(&context, request, &progress).ok());
}

}  // namespace
}  // namespace screening::testing
