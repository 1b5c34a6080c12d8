// The browser's way in: the Connect protocol (connectrpc.com) over HTTP/1.1,
// served with cpp-httplib. A unary call runs its handler on the face's own
// thread through the public gate (LocalMethods), and WatchProgress streams
// from the progress feed on it; the one batching handler (BookScreening)
// goes to this process's public gRPC server through its in-process channel. Either way: the same
// services, the same gate (authentication, authorization, audit, rate limits) and the same errors,
// in Connect's JSON form. Unary calls are JSON (or binary protobuf) over POST; server streams
// (WatchProgress) use Connect's envelopes.
//
//   auto face = HttpFace::Start({.listen = "127.0.0.1:8080"}, server->InProcessChannel({}));
//   // POST /screening.v1.ProgressService/GetProgress  {"programmeYear": 2025}
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/console/progress_stream.h"

namespace google::protobuf {
class MethodDescriptor;
}  // namespace google::protobuf

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace screening::console {

class LocalMethods;
class SignIn;

class HttpFace {
 public:
  struct Options {
    std::string listen;                               // host:port; port 0 picks one
    std::string tls_cert_pem, tls_key_pem;            // HTTPS when both are set
    size_t max_message_bytes = 4 << 20;               // a request body past this: 413
    int threads = 1024;                               // connections served at once
    absl::Duration io_timeout = absl::Seconds(10);    // a client slower than this is dropped
    absl::Duration max_deadline = absl::Seconds(60);  // of a unary call
    SignIn* sign_in = nullptr;                        // serves /auth/* when set
    absl::Duration session_ttl = absl::Hours(8);
    // The unary methods called on the face's own thread rather than
    // through `channel` (which carries the rest); none when null.
    const LocalMethods* local = nullptr;
    // Whether the process serves, as gRPC health says: GET /healthz answers
    // 200 SERVING or 503 NOT_SERVING, for balancers that cannot speak gRPC
    // health. None when null.
    std::function<bool()> serving;
  };

  static absl::StatusOr<std::unique_ptr<HttpFace>> Start(Options options,
                                                         std::shared_ptr<grpc::Channel> channel);
  ~HttpFace();

  int port() const { return port_; }
  // Stops listening and waits for the connections' threads (WatchProgress
  // streams end when the progress feed closes: App::Shutdown closes it first).
  void Stop();

 private:
  HttpFace(Options options, std::shared_ptr<grpc::Channel> channel);
  void Handle(const httplib::Request& request, httplib::Response& response);
  // WatchProgress from the feed on this connection's thread (LocalMethods).
  void WatchProgressHere(const httplib::Request& request, httplib::Response& response,
                         const std::string& authorization,
                         const google::protobuf::MethodDescriptor& method,
                         const std::string& payload, bool json, const std::string& type);
  void HandleSignIn(const httplib::Request& request, httplib::Response& response);
  void HandleSession(const httplib::Request& request, httplib::Response& response);
  void HandleSignOut(const httplib::Request& request, httplib::Response& response);
  bool secure() const { return !options_.tls_cert_pem.empty(); }

  const Options options_;
  const std::shared_ptr<grpc::Channel> channel_;
  UpdateEnvelopes envelopes_;  // shared by the WatchProgress streams
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
};

}  // namespace screening::console
