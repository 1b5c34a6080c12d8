#include "services/console/browser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace screening::console {

std::string SessionCookie(absl::string_view token, absl::Duration ttl, bool secure) {
  return absl::StrCat(kSessionCookie, "=", token, "; Path=/; Max-Age=", absl::ToInt64Seconds(ttl),
                      "; HttpOnly; SameSite=Strict", secure ? "; Secure" : "");
}

std::string ClearedSessionCookie(bool secure) {
  return absl::StrCat(kSessionCookie, "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                      secure ? "; Secure" : "");
}

std::optional<std::string> CookieValue(absl::string_view cookie_header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(cookie_header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t equals = part.find('=');
    if (equals != absl::string_view::npos && part.substr(0, equals) == name) {
      return std::string(part.substr(equals + 1));
    }
  }
  return std::nullopt;
}

bool CrossSite(absl::string_view origin, absl::string_view host, absl::string_view sec_fetch_site) {
  if (sec_fetch_site == "cross-site" || sec_fetch_site == "same-site") return true;
  if (origin.empty()) return false;
  if (origin == "null") return true;
  absl::string_view rest = origin;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return true;
  }
  return !absl::EqualsIgnoreCase(rest, host);
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const auto* kHeaders = new std::vector<std::pair<std::string, std::string>>{
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cache-Control", "no-store"},
  };
  return *kHeaders;
}

}  // namespace screening::console
