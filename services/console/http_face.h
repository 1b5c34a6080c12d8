// The browser's way in: the Connect protocol (connectrpc.com) over HTTP/1.1,
// served with cpp-httplib. A unary call runs its handler on the face's own
// thread through the public gate (LocalMethods); a stream, and the one
// batching handler (BookScreening), go to this process's public gRPC server
// through its in-process channel. Either way: the same services, the same
// gate (authentication, authorization, audit, rate limits) and the same
// errors, in Connect's JSON form. Unary calls are JSON (or binary protobuf)
// over POST; server streams (WatchProgress) use Connect's envelopes.
//
//   auto face = HttpFace::Start({.listen = "127.0.0.1:8080"}, server->InProcessChannel({}));
//   // POST /screening.v1.ProgressService/GetProgress  {"programmeYear": 2025}
#pragma once

#include <memory>
#include <string>
#include <thread>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

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
    int threads = 256;                                // connections served at once
    absl::Duration io_timeout = absl::Seconds(10);    // a client slower than this is dropped
    absl::Duration max_deadline = absl::Seconds(60);  // of a unary call
    SignIn* sign_in = nullptr;                        // serves /auth/* when set
    absl::Duration session_ttl = absl::Hours(8);
    // The unary methods called on the face's own thread rather than
    // through `channel` (which carries the rest); none when null.
    const LocalMethods* local = nullptr;
  };

  static absl::StatusOr<std::unique_ptr<HttpFace>> Start(Options options,
                                                         std::shared_ptr<grpc::Channel> channel);
  ~HttpFace();

  int port() const { return port_; }
  // Stops listening and waits for the connections' threads (streams end
  // when the gRPC server they ride ends).
  void Stop();

 private:
  HttpFace(Options options, std::shared_ptr<grpc::Channel> channel);
  void Handle(const httplib::Request& request, httplib::Response& response);
  void HandleSignIn(const httplib::Request& request, httplib::Response& response);
  void HandleSession(const httplib::Request& request, httplib::Response& response);
  void HandleSignOut(const httplib::Request& request, httplib::Response& response);
  bool secure() const { return !options_.tls_cert_pem.empty(); }

  const Options options_;
  const std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
};

}  // namespace screening::console
