// A stand-in for a city's SMS gateway, for tests and the quick start: it
// speaks what HttpSmsGateway sends (POST JSON {out_id, phone, template_id,
// params, text}), records every message it accepts, and fails on demand so
// that retries can be seen.
//
//   POST /sms                      a message: 200, or the failure asked for
//   GET  /messages                 every accepted message, as a JSON array
//   POST /fail?next=N&status=503   answer the next N messages with `status`
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace httplib {
class Server;
}

namespace screening::tools {

class FakeSmsGateway {
 public:
  struct Message {
    std::string out_id;
    std::string phone;
    std::string template_id;
    std::map<std::string, std::string> params;
    std::string text;
  };

  // Listens on host:port (0: any free port). With `token` set, a message
  // without `Authorization: Bearer <token>` is answered 401.
  static absl::StatusOr<std::unique_ptr<FakeSmsGateway>> Start(const std::string& host, int port,
                                                               std::string token = "");
  ~FakeSmsGateway();

  int port() const { return port_; }
  // Where HttpSmsGateway should post: http://host:port/sms.
  std::string url() const;

  // The next `count` messages are answered `http_status` and not recorded.
  void FailNext(int count, int http_status = 503);
  std::vector<Message> Accepted() const;
  // Every POST /sms, the failed ones included.
  int Posts() const;
  // Called with each accepted message (the binary prints them).
  void OnAccepted(std::function<void(const Message&)> callback);

 private:
  FakeSmsGateway(std::string host, std::string token);
  const std::string host_, token_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  std::vector<Message> accepted_ ABSL_GUARDED_BY(mu_);
  int posts_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_next_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_status_ ABSL_GUARDED_BY(mu_) = 503;
  std::function<void(const Message&)> on_accepted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace screening::tools
