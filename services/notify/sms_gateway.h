// The adapter for an HTTP SMS gateway. Each message is one POST of JSON:
//
//   {"out_id": "notification-42", "phone": "13800000000",
//    "template_id": "SMS_1001", "params": {"date": "3月5日", ...},
//    "text": "【哈尔滨市免费筛查】..."}
//
// with `Authorization: Bearer <credentials>` when credentials are set.
// `out_id` is the same on every try of one message, so a gateway that
// dedups on it never delivers a message twice (after a crash between its
// answer and our record of it). A 2xx answer is accepted; 408, 429, 5xx and
// no answer are tried again; any other answer is a refusal, final.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/notify/messages.h"

namespace httplib {
class Client;
}

namespace screening::notify {

struct SmsGatewayConfig {
  std::string url;          // http(s)://host[:port]/path
  std::string credentials;  // a bearer token; "" for none
  // Kind name (KindName) → the gateway's template id; a kind not named
  // here is sent under its own name.
  std::map<std::string, std::string> template_ids;
  absl::Duration timeout = absl::Seconds(10);

  // Parses "booking_confirmed=SMS_1001,results_ready=SMS_1006".
  static absl::StatusOr<std::map<std::string, std::string>> ParseTemplateIds(
      const std::string& text);
  std::string TemplateIdFor(v1::NotificationKind kind) const;
};

struct SmsMessage {
  std::string out_id;
  std::string phone;
  std::string template_id;
  Params params;
  std::string text;
};

class HttpSmsGateway {
 public:
  // INVALID_ARGUMENT for a URL that is not http(s)://host[:port][/path].
  static absl::StatusOr<std::unique_ptr<HttpSmsGateway>> Create(SmsGatewayConfig config);
  ~HttpSmsGateway();

  // OK when the gateway accepted the message; UNAVAILABLE to try again;
  // FAILED_PRECONDITION when it refused it for good. The message says why
  // (never the phone).
  absl::Status Send(const SmsMessage& message);

  const SmsGatewayConfig& config() const { return config_; }

 private:
  HttpSmsGateway(SmsGatewayConfig config, std::string origin, std::string path);
  const SmsGatewayConfig config_;
  const std::string origin_, path_;
  absl::Mutex mu_;  // one sender at a time on the kept-alive connection
  std::unique_ptr<httplib::Client> client_ ABSL_GUARDED_BY(mu_);
};

}  // namespace screening::notify
