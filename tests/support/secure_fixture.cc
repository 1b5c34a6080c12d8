#include "tests/support/secure_fixture.h"

namespace screening::testing {

void SecureTest::SetUpTestSuite() {
  clock_ = new FakeClock(DefaultTestNow());
  auto db = TestDatabase::Create(::testing::UnitTest::GetInstance()->current_test_suite()->name());
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = db->release();
  auto certs = TestCerts::Create();
  ASSERT_TRUE(certs.ok()) << certs.status();
  certs_ = certs->release();
  AppConfig config;
  config.tls_cert_pem = certs_->server().cert_pem;
  config.tls_key_pem = certs_->server().key_pem;
  config.tls_client_ca_pem = certs_->ca_pem();
  auto server = TestServer::Start(db_->url(), clock_, config, certs_->Credentials());
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = server->release();
  owner_pool_ = new db::Pool({.url = db_->url(), .size = 2});
  tokens_ = new admin::AdminStore(*owner_pool_, *clock_);
  issued_ = new std::map<std::string, std::string>();
}

void SecureTest::TearDownTestSuite() {
  delete server_;
  delete tokens_;
  delete owner_pool_;
  delete issued_;
  delete certs_;
  delete db_;
  delete clock_;
  server_ = nullptr;
}

const std::string& SecureTest::Token(const std::string& caller) {
  auto it = issued_->find(caller);
  if (it != issued_->end()) return it->second;
  auto parsed = ParseCallerName(caller);
  EXPECT_TRUE(parsed.ok()) << caller;
  auto token = tokens_->IssueToken(*parsed, absl::Hours(24 * 365), "test");
  EXPECT_TRUE(token.ok()) << token.status();
  return (*issued_)[caller] = token->token;
}

std::unique_ptr<grpc::ClientContext> SecureTest::As(const std::string& caller) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!caller.empty()) context->AddMetadata("authorization", "Bearer " + Token(caller));
  return context;
}

}  // namespace screening::testing
