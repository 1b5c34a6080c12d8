#include "services/notify/sms_gateway.h"

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace screening::notify {

absl::StatusOr<std::map<std::string, std::string>> SmsGatewayConfig::ParseTemplateIds(
    const std::string& text) {
  std::map<std::string, std::string> ids;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    bool known = false;
    for (int k = v1::NotificationKind_MIN + 1; k <= v1::NotificationKind_MAX; ++k) {
      known = known || KindName(static_cast<v1::NotificationKind>(k)) == kv.first;
    }
    if (!known || kv.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sms_templates: '", entry, "' is not kind=template_id with a known kind"));
    }
    ids[kv.first] = kv.second;
  }
  return ids;
}

std::string SmsGatewayConfig::TemplateIdFor(v1::NotificationKind kind) const {
  const std::string name = KindName(kind);
  auto found = template_ids.find(name);
  return found == template_ids.end() ? name : found->second;
}

absl::StatusOr<std::unique_ptr<HttpSmsGateway>> HttpSmsGateway::Create(SmsGatewayConfig config) {
  const std::string& url = config.url;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      !(absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://"))) {
    return absl::InvalidArgumentError("--sms_gateway_url must be http(s)://host[:port][/path]");
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (origin.size() <= scheme_end + 3) {
    return absl::InvalidArgumentError("--sms_gateway_url names no host");
  }
  return std::unique_ptr<HttpSmsGateway>(
      new HttpSmsGateway(std::move(config), std::move(origin), std::move(path)));
}

HttpSmsGateway::HttpSmsGateway(SmsGatewayConfig config, std::string origin, std::string path)
    : config_(std::move(config)), origin_(std::move(origin)), path_(std::move(path)) {}

HttpSmsGateway::~HttpSmsGateway() = default;

absl::Status HttpSmsGateway::Send(const SmsMessage& message) {
  const std::string body = nlohmann::json{
      {"out_id", message.out_id},
      {"phone", message.phone},
      {"template_id", message.template_id},
      {"params", message.params},
      {"text", message.text}}.dump();
  absl::MutexLock lock(&mu_);
  if (!client_) {
    client_ = std::make_unique<httplib::Client>(origin_);
    const auto seconds = absl::ToInt64Seconds(config_.timeout);
    client_->set_connection_timeout(seconds);
    client_->set_read_timeout(seconds);
    client_->set_write_timeout(seconds);
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);  // one small request at a time: no Nagle wait
    if (!config_.credentials.empty()) client_->set_bearer_token_auth(config_.credentials);
  }
  httplib::Result answer = client_->Post(path_, body, "application/json");
  if (!answer) {
    client_.reset();  // a fresh connection next time
    return absl::UnavailableError(
        absl::StrCat("the SMS gateway did not answer: ", httplib::to_string(answer.error())));
  }
  const int status = answer->status;
  if (status >= 200 && status < 300) return absl::OkStatus();
  const std::string why =
      absl::StrCat("the SMS gateway answered HTTP ", status, ": ", answer->body.substr(0, 200));
  if (status == 408 || status == 429 || status >= 500) return absl::UnavailableError(why);
  return absl::FailedPreconditionError(why);
}

}  // namespace screening::notify
