#include "services/console/browser.h"

#include <gtest/gtest.h>

namespace screening::console {
namespace {

TEST(Browser, TheSessionCookieIsHttpOnlyAndStrict) {
  const std::string cookie = SessionCookie("sct_ab_cd", absl::Hours(8), /*secure=*/true);
  EXPECT_EQ(
      cookie,
      "screening_session=sct_ab_cd; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionCookie("t", absl::Hours(1), false).find("Secure"), std::string::npos);
  EXPECT_NE(ClearedSessionCookie(false).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(CookieValue("a=1; screening_session=sct_x_y; b=2", kSessionCookie), "sct_x_y");
  EXPECT_EQ(CookieValue("screening_sessionx=1", kSessionCookie), std::nullopt);
  EXPECT_EQ(CookieValue("", kSessionCookie), std::nullopt);
}

TEST(Browser, RequestsFromAnotherSiteAreTold) {
  EXPECT_FALSE(CrossSite("", "console.hrb:8443", ""));  // curl, other clients
  EXPECT_FALSE(CrossSite("https://console.hrb:8443", "console.hrb:8443", "same-origin"));
  EXPECT_FALSE(CrossSite("http://127.0.0.1:8080", "127.0.0.1:8080", ""));
  EXPECT_TRUE(CrossSite("https://evil.example", "console.hrb:8443", ""));
  EXPECT_TRUE(CrossSite("https://console.hrb:9999", "console.hrb:8443", ""));
  EXPECT_TRUE(CrossSite("null", "console.hrb:8443", ""));
  EXPECT_TRUE(CrossSite("", "console.hrb:8443", "cross-site"));
  EXPECT_TRUE(CrossSite("", "console.hrb:8443", "same-site"));
}

TEST(Browser, EveryAnswerCarriesAStrictPolicy) {
  bool csp = false;
  for (const auto& [name, value] : SecurityHeaders()) {
    if (name != "Content-Security-Policy") continue;
    csp = true;
    EXPECT_NE(value.find("default-src 'self'"), std::string::npos);
    EXPECT_NE(value.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(value.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(value.find("unsafe-eval"), std::string::npos);
  }
  EXPECT_TRUE(csp);
}

}  // namespace
}  // namespace screening::console
