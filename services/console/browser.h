// What keeps a browser session safe, pure: the session cookie (HttpOnly, so
// no script reads the token; SameSite=Strict, so no other site sends it),
// the refusal of cross-site requests, and the headers every answer carries
// (a strict Content-Security-Policy among them).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace screening::console {

inline constexpr absl::string_view kSessionCookie = "screening_session";

// Set-Cookie for a session of `ttl`; `secure` over HTTPS.
std::string SessionCookie(absl::string_view token, absl::Duration ttl, bool secure);
// Set-Cookie that ends the session in the browser.
std::string ClearedSessionCookie(bool secure);
// The value of cookie `name` in a Cookie header.
std::optional<std::string> CookieValue(absl::string_view cookie_header, absl::string_view name);

// True when a browser says the request comes from another site: an Origin
// other than this host's, or Sec-Fetch-Site cross-site/same-site. Requests
// without either (curl, other clients) are not cross-site.
bool CrossSite(absl::string_view origin, absl::string_view host, absl::string_view sec_fetch_site);

// The headers of every answer: CSP (own origin only, no inline script, no
// framing), no MIME sniffing, no referrer, no caching of API answers.
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

}  // namespace screening::console
