// Signing in to the web console over the HTTP face, as a browser does: the
// session cookie (HttpOnly, SameSite=Strict) calls the API with the
// account's rights; wrong passwords lock the account and every attempt is
// audited; another site's requests, a clinic on the commission's calls and a
// signed-out session are refused; every answer carries the CSP.
#include <httplib.h>

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "common/db.h"
#include "nlohmann/json.hpp"
#include "screening/v1/accounts.grpc.pb.h"
#include "services/console/account_store.h"
#include "services/console/accounts.h"
#include "services/console/assets.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::HasSubstr;

class ConsoleSignIn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = TestDatabase::Create("console_sign_in");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    clock_ = new FakeClock(DefaultTestNow());
    AppConfig config;
    config.http_listen = "127.0.0.1:0";
    auto server = TestServer::Start(db_->url(), clock_, config);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    pool_ = new db::Pool({.url = db_->url(), .size = 1});
    accounts_ = new console::AccountStore(*pool_, *clock_);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete accounts_;
    delete pool_;
    delete clock_;
    delete db_;
  }

  static void CreateAccount(const std::string& username, const std::string& caller) {
    auto hash = console::HashPassword(kPassword);
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(accounts_
                    ->Create({.username = username,
                              .caller = caller,
                              .display_name = "测试",
                              .password_hash = *hash})
                    .ok());
  }

  static httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->app().http_port());
    client.set_read_timeout(10, 0);
    return client;
  }

  static httplib::Result SignIn(const std::string& username, const std::string& password,
                                const httplib::Headers& headers = {}) {
    const std::string body = nlohmann::json{{"username", username}, {"password", password}}.dump();
    return Client().Post("/auth/sign-in", headers, body, "application/json");
  }

  // A new account for `caller`, signed in: its session cookie ("" and a
  // failure if the sign-in fails).
  static std::string SignedInAs(const std::string& username, const std::string& caller) {
    CreateAccount(username, caller);
    auto signed_in = SignIn(username, kPassword);
    EXPECT_TRUE(signed_in && signed_in->status == 200) << username;
    return signed_in && signed_in->status == 200 ? SessionCookie(signed_in) : "";
  }

  // "screening_session=<token>" from a sign-in's Set-Cookie.
  static std::string SessionCookie(const httplib::Result& result) {
    const std::string set = result->get_header_value("Set-Cookie");
    return set.substr(0, set.find(';'));
  }

  static httplib::Result GetProgress(const httplib::Headers& headers) {
    return Client().Post("/screening.v1.ProgressService/GetProgress", headers,
                         R"({"programmeYear": 2025})", "application/json");
  }

  static int64_t Audited(const std::string& username, const std::string& outcome) {
    return db_->QueryInt(
        absl::StrCat("SELECT count(*) FROM audit.events WHERE method = "
                     "'console/SignIn' AND resource = 'accounts/",
                     username, "' AND outcome = '", outcome, "'"));
  }

  static constexpr char kPassword[] = "correct horse battery";
  static inline TestDatabase* db_ = nullptr;
  static inline FakeClock* clock_ = nullptr;
  static inline TestServer* server_ = nullptr;
  static inline db::Pool* pool_ = nullptr;
  static inline console::AccountStore* accounts_ = nullptr;
};

TEST_F(ConsoleSignIn, TheSessionCookieCallsTheApiWithTheAccountsRights) {
  CreateAccount("officer.li", "commission");
  auto signed_in = SignIn("Officer.Li", kPassword);  // names are not case-sensitive
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  const std::string set_cookie = signed_in->get_header_value("Set-Cookie");
  EXPECT_THAT(set_cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(set_cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(set_cookie, HasSubstr("Max-Age=28800"));
  EXPECT_EQ(nlohmann::json::parse(signed_in->body)["caller"], "commission");
  EXPECT_THAT(signed_in->get_header_value("Content-Security-Policy"),
              HasSubstr("default-src 'self'"));

  const httplib::Headers cookie = {{"Cookie", SessionCookie(signed_in)}};
  auto progress = GetProgress(cookie);
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->status, 200) << progress->body;
  EXPECT_THAT(progress->body, HasSubstr("\"personsTarget\":\"800000\""));
  EXPECT_THAT(progress->get_header_value("Content-Security-Policy"), HasSubstr("frame-ancestors"));
  auto session = Client().Get("/auth/session", cookie);
  ASSERT_TRUE(session);
  EXPECT_EQ(nlohmann::json::parse(session->body)["role"], "commission");
  EXPECT_EQ(Audited("officer.li", "OK"), 1);

  // Another site riding the cookie is refused, and so is its sign-in.
  httplib::Headers cross = cookie;
  cross.emplace("Origin", "https://evil.example");
  auto forged = GetProgress(cross);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  auto forged_sign_in = SignIn("officer.li", kPassword, {{"Sec-Fetch-Site", "cross-site"}});
  ASSERT_TRUE(forged_sign_in);
  EXPECT_EQ(forged_sign_in->status, 403);

  // Signing out revokes the token: the cookie no longer works.
  auto out = Client().Post("/auth/sign-out", cookie, "", "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_THAT(out->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  auto after = GetProgress(cookie);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;
}

TEST_F(ConsoleSignIn, AClinicSessionCannotCallTheCommissionsRpcs) {
  const std::string cookie = SignedInAs("nurse.wang", "clinic:230102");
  ASSERT_FALSE(cookie.empty());
  auto progress = GetProgress({{"Cookie", cookie}});
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->status, 403);
  EXPECT_EQ(nlohmann::json::parse(progress->body)["code"], "permission_denied");
  // Nor watch it: the stream, served from the feed, ends at once with the
  // gate's refusal (flags 2: the end of the stream).
  const std::string watch = std::string("\0\0\0\0\x02{}", 7);
  auto watched = Client().Post("/screening.v1.ProgressService/WatchProgress", {{"Cookie", cookie}},
                               watch, "application/connect+json");
  ASSERT_TRUE(watched);
  EXPECT_EQ(watched->status, 200);
  ASSERT_GT(watched->body.size(), 5u);
  EXPECT_EQ(watched->body[0], '\x02');
  EXPECT_EQ(nlohmann::json::parse(watched->body.substr(5))["error"]["code"], "permission_denied");
}

TEST_F(ConsoleSignIn, WrongPasswordsLockTheAccountAndEveryAttemptIsAudited) {
  CreateAccount("doctor.zhao", "hospital:HRB-DL-01");
  for (int attempt = 1; attempt < console::kFailuresBeforeLock; ++attempt) {
    auto wrong = SignIn("doctor.zhao", "not the password");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    EXPECT_THAT(wrong->body,
                HasSubstr(absl::StrCat(console::kFailuresBeforeLock - attempt, " more")));
  }
  auto locking = SignIn("doctor.zhao", "not the password");
  ASSERT_TRUE(locking);
  EXPECT_EQ(locking->status, 429);
  EXPECT_THAT(locking->body, HasSubstr("ACCOUNT_LOCKED"));
  auto right_but_locked = SignIn("doctor.zhao", kPassword);
  ASSERT_TRUE(right_but_locked);
  EXPECT_EQ(right_but_locked->status, 429) << "locked even with the right password";

  clock_->Set(DefaultTestNow() + console::kLockTime + absl::Minutes(1));
  auto later = SignIn("doctor.zhao", kPassword);
  clock_->Set(DefaultTestNow());
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200) << later->body;

  EXPECT_EQ(Audited("doctor.zhao", "UNAUTHENTICATED"), console::kFailuresBeforeLock - 1);
  EXPECT_EQ(Audited("doctor.zhao", "RESOURCE_EXHAUSTED"), 2);
  EXPECT_EQ(Audited("doctor.zhao", "OK"), 1);
}

TEST_F(ConsoleSignIn, UnknownAndDisabledAccountsGetTheSameAnswer) {
  CreateAccount("gone.user", "admin");
  ASSERT_TRUE(accounts_->Update("gone.user", {.disabled = true}).ok());
  auto disabled = SignIn("gone.user", kPassword);
  auto unknown = SignIn("nobody.here", kPassword);
  ASSERT_TRUE(disabled && unknown);
  EXPECT_EQ(disabled->status, 401);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(nlohmann::json::parse(disabled->body)["message"],
            nlohmann::json::parse(unknown->body)["message"]);
  EXPECT_EQ(Audited("nobody.here", "UNAUTHENTICATED"), 1);
  auto malformed = Client().Post("/auth/sign-in", R"({"username": 7})", "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_THAT(malformed->body, HasSubstr("invalid_argument"));
}

}  // namespace
}  // namespace screening::testing

namespace screening::testing {
namespace {

TEST_F(ConsoleSignIn, AnAdminManagesAccountsThroughTheApi) {
  auto accounts = v1::AccountService::NewStub(server_->channel());
  auto create = [&](const std::string& username, const std::string& caller,
                    const std::string& password, v1::Account* created) {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_username(username);
    request.mutable_account()->set_caller(caller);
    request.mutable_account()->set_display_name("王护士");
    request.set_password(password);
    grpc::ClientContext context;
    return accounts->CreateAccount(&context, request, created);
  };
  v1::Account created;
  EXPECT_THAT(BadFields(create("X", "service:registry", "short", &created)),
              ::testing::ElementsAre("account.username", "account.caller", "password"));
  ASSERT_TRUE(create("nurse.li", "clinic:230103", kPassword, &created).ok());
  EXPECT_EQ(created.name(), "accounts/nurse.li");
  EXPECT_EQ(created.caller(), "clinic:230103");
  EXPECT_THAT(create("nurse.li", "clinic:230103", kPassword, &created),
              GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  auto signed_in = SignIn("nurse.li", kPassword);
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->status, 200);

  auto update = [&](const std::function<void(v1::UpdateAccountRequest&)>& fill) {
    v1::UpdateAccountRequest request;
    request.mutable_account()->set_name("accounts/nurse.li");
    fill(request);
    v1::Account updated;
    grpc::ClientContext context;
    grpc::Status status = accounts->UpdateAccount(&context, request, &updated);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return updated;
  };
  EXPECT_TRUE(update([](auto& r) {
                r.mutable_account()->set_disabled(true);
                r.mutable_update_mask()->add_paths("disabled");
              }).disabled());
  EXPECT_EQ(SignIn("nurse.li", kPassword)->status, 401) << "a disabled account signed in";
  update([](auto& r) {
    r.mutable_account()->set_disabled(false);
    r.mutable_update_mask()->add_paths("disabled");
    r.set_new_password("another good password");
  });
  EXPECT_EQ(SignIn("nurse.li", kPassword)->status, 401) << "the old password still works";
  for (int i = 0; i < console::kFailuresBeforeLock; ++i) SignIn("nurse.li", "wrong password");
  v1::ListAccountsResponse listed;
  grpc::ClientContext list_context;
  ASSERT_TRUE(accounts->ListAccounts(&list_context, {}, &listed).ok());
  bool locked = false;
  for (const auto& a : listed.accounts()) {
    if (a.username() == "nurse.li") locked = !a.locked_until_time().empty();
  }
  EXPECT_TRUE(locked);
  EXPECT_EQ(SignIn("nurse.li", "another good password")->status, 429);
  EXPECT_TRUE(update([](auto& r) { r.set_unlock(true); }).locked_until_time().empty());
  EXPECT_EQ(SignIn("nurse.li", "another good password")->status, 200);

  v1::UpdateAccountRequest bad;
  bad.mutable_account()->set_name("users/nurse.li");
  bad.mutable_update_mask()->add_paths("caller");
  bad.set_new_password("short");
  v1::Account ignored;
  grpc::ClientContext bad_context;
  EXPECT_THAT(BadFields(accounts->UpdateAccount(&bad_context, bad, &ignored)),
              ::testing::ElementsAre("account.name", "update_mask", "new_password"));
}

// The face runs unary handlers on its own thread through the gate; the
// batching BookScreening and the streams ride the in-process channel.
TEST_F(ConsoleSignIn, EveryUnaryMethodButTheBatchedOneRunsOnTheFacesThread) {
  std::vector<std::string> unary;
  for (const char* file :
       {"accounts", "admin", "notifications", "progress", "registry", "results", "scheduling"}) {
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
        absl::StrCat("screening/v1/", file, ".proto"));
    ASSERT_NE(descriptor, nullptr) << file;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const auto* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const auto* method = service->method(m);
        const std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
        if (method->client_streaming() || method->server_streaming()) continue;
        if (path == "/screening.v1.SchedulingService/BookScreening") continue;
        unary.push_back(path);
      }
    }
  }
  std::sort(unary.begin(), unary.end());
  EXPECT_GE(unary.size(), 40u);
  EXPECT_EQ(server_->app().http_local_methods(), unary);
}

TEST_F(ConsoleSignIn, ACallOnTheFacesThreadIsAuditedWithItsHttpPeerAndReason) {
  const std::string cookie = SignedInAs("nurse.sun", "clinic:230102");
  ASSERT_FALSE(cookie.empty());
  const httplib::Headers headers = {{"Cookie", cookie}, {"x-screening-reason", "home-visit check"}};
  auto listed = Client().Post("/screening.v1.RegistryService/ListResidents", headers,
                              R"({"districtCode": "230102"})", "application/json");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit.events WHERE method = "
                          "'screening.v1.RegistryService/ListResidents' AND scope = '230102' "
                          "AND outcome = 'OK' AND reason = 'home-visit check' "
                          "AND peer LIKE 'http:127.0.0.1:%'"),
            1);
  // Refused on the same thread: another district is not this clinic's.
  auto other = Client().Post("/screening.v1.RegistryService/ListResidents", headers,
                             R"({"districtCode": "230103"})", "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;
}

TEST_F(ConsoleSignIn, BookScreeningRidesTheInProcessChannelThroughTheSameGate) {
  const std::string cookie = SignedInAs("nurse.qian", "clinic:230102");
  ASSERT_FALSE(cookie.empty());
  auto empty = Client().Post("/screening.v1.SchedulingService/BookScreening", {{"Cookie", cookie}},
                             "{}", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400) << empty->body;
  const nlohmann::json error = nlohmann::json::parse(empty->body);
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_THAT(empty->body, HasSubstr("fieldViolations"));
  auto forged =
      Client().Post("/screening.v1.SchedulingService/BookScreening",
                    {{"Authorization", "Bearer sct_not_a_token"}}, "{}", "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401) << forged->body;
}

// httplib would compress with brotli at its slowest (a second for the
// script): the console's files come compressed at build time, and API
// answers go uncompressed whatever the browser accepts.
TEST_F(ConsoleSignIn, TheConsoleComesCompressedAtBuildTimeAndAnswersUncompressed) {
  const console::Asset* script = nullptr;
  for (const console::Asset& asset : console::ConsoleAssets()) {
    if (asset.path == "/app.js") script = &asset;
  }
  ASSERT_NE(script, nullptr);
  httplib::Client client = Client();
  client.set_decompress(false);
  const std::pair<const char*, const char*> kCases[] = {
      {"gzip, deflate, br", "br"}, {"br;q=0, gzip", "gzip"}, {"identity", ""}};
  for (const auto& [accepted, coding] : kCases) {
    auto got = client.Get("/app.js", {{"Accept-Encoding", accepted}});
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->get_header_value("Content-Encoding"), coding) << accepted;
    const std::string_view expected = std::string(coding) == "br"     ? script->brotli
                                      : std::string(coding) == "gzip" ? script->gzip
                                                                      : script->bytes;
    EXPECT_EQ(got->body, expected) << accepted;
    EXPECT_THAT(got->get_header_value("Content-Security-Policy"), HasSubstr("default-src"));
  }
  auto answer = client.Post("/screening.v1.ProgressService/GetProgress",
                            {{"Accept-Encoding", "gzip, deflate, br"}}, "{}", "application/json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_FALSE(answer->has_header("Content-Encoding"));
  EXPECT_EQ(nlohmann::json::parse(answer->body)["personsTarget"], "800000");
}

}  // namespace
}  // namespace screening::testing
