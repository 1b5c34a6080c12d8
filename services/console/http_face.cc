#include "services/console/http_face.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <httplib.h>
#include <openssl/pem.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/console/assets.h"
#include "services/console/browser.h"
#include "services/console/connect_protocol.h"
#include "services/console/local_methods.h"
#include "services/console/progress_stream.h"
#include "services/console/proto_json.h"
#include "services/console/sign_in.h"

namespace screening::console {
namespace {

using google::protobuf::MethodDescriptor;

// Only the public API is callable from a browser (screening.internal.v1 is
// for services, over gRPC).
constexpr absl::string_view kPublicPackage = "screening.v1.";

// Request headers passed on to the gRPC call as metadata (besides the
// credentials, which may come from the session cookie).
constexpr const char* kForwardedHeaders[] = {"x-screening-reason", "traceparent"};

// Connections waiting to be accepted (the kernel caps it at somaxconn).
constexpr int kListenBacklog = 1024;

// The call's credentials: the Authorization header, else the session
// cookie's token as a bearer token. `by_cookie` says which.
std::string Authorization(const httplib::Request& request, bool* by_cookie) {
  *by_cookie = false;
  if (request.has_header("Authorization")) return request.get_header_value("Authorization");
  std::optional<std::string> token =
      CookieValue(request.get_header_value("Cookie"), kSessionCookie);
  if (!token || token->empty()) return "";
  *by_cookie = true;
  return "Bearer " + *token;
}

bool FromAnotherSite(const httplib::Request& request) {
  return CrossSite(request.get_header_value("Origin"), request.get_header_value("Host"),
                   request.get_header_value("Sec-Fetch-Site"));
}

std::string Peer(const httplib::Request& request) {
  return absl::StrCat("http:", request.remote_addr, ":", request.remote_port);
}

void ReplyJson(httplib::Response& response, const nlohmann::json& body) {
  response.set_content(body.dump(), "application/json");
}

const MethodDescriptor* FindPublicMethod(absl::string_view path) {
  if (path.size() < 2 || path[0] != '/') return nullptr;
  const size_t slash = path.find('/', 1);
  if (slash == absl::string_view::npos) return nullptr;
  const std::string service(path.substr(1, slash - 1));
  if (!absl::StartsWith(service, kPublicPackage)) return nullptr;
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  if (descriptor == nullptr) return nullptr;
  return descriptor->FindMethodByName(std::string(path.substr(slash + 1)));
}

// The media type without parameters, lower case: "application/json".
std::string MediaType(const httplib::Request& request) {
  std::string type = request.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

// The request, from JSON or binary protobuf.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> RequestMessage(
    const MethodDescriptor& method, const std::string& body, bool json) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(method.input_type());
  if (!json) {
    if (!message->ParseFromString(body)) {
      return InvalidField("body", absl::StrCat("is not a ", method.input_type()->full_name()));
    }
    return message;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(body.empty() ? "{}" : body,
                                                                  message.get(), options);
  if (!parsed.ok()) {
    std::string why(parsed.message());
    if (why.size() > 160) why.resize(160);
    return InvalidField(
        "body", absl::StrCat("is not a ", method.input_type()->full_name(), " in JSON: ", why));
  }
  return message;
}

std::string ResponseBody(const google::protobuf::Message& message, bool json) {
  return json ? ProtoToJson(message) : message.SerializeAsString();
}

// The answer's bytes from gRPC, as the body.
std::string ResponseBody(const MethodDescriptor& method, const std::string& bytes, bool json) {
  if (!json) return bytes;
  std::unique_ptr<google::protobuf::Message> message = NewMessage(method.output_type());
  message->ParseFromString(bytes);
  return ProtoToJson(*message);
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

void ReplyError(httplib::Response& response, const grpc::Status& status) {
  response.status = HttpStatusFor(status.error_code());
  response.set_content(ConnectErrorJson(status), "application/json");
}

// The call's deadline: Connect-Timeout-Ms, capped at `max_deadline` when
// `cap` is set.
absl::Time CallDeadline(const httplib::Request& request, absl::Duration max_deadline, bool cap) {
  absl::Duration timeout = cap ? max_deadline : absl::InfiniteDuration();
  int64_t millis = 0;
  if (absl::SimpleAtoi(request.get_header_value("Connect-Timeout-Ms"), &millis) && millis > 0) {
    timeout = std::min(timeout, absl::Milliseconds(millis));
  }
  return timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
}

// The in-process gRPC call's context: the caller's credentials and reason
// passed on, and its deadline.
std::unique_ptr<grpc::ClientContext> CallContext(const httplib::Request& request,
                                                 const std::string& authorization,
                                                 absl::Time deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!authorization.empty()) context->AddMetadata("authorization", authorization);
  for (const char* header : kForwardedHeaders) {
    if (request.has_header(header)) context->AddMetadata(header, request.get_header_value(header));
  }
  if (deadline != absl::InfiniteFuture()) context->set_deadline(absl::ToChronoTime(deadline));
  return context;
}

const Asset* FindAsset(const std::string& path) {
  for (const Asset& asset : ConsoleAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

// Whether an Accept-Encoding list names `coding` without refusing it (q=0).
bool Accepts(absl::string_view accepted, absl::string_view coding) {
  for (absl::string_view item : absl::StrSplit(accepted, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    if (absl::StripAsciiWhitespace(parts[0]) != coding) continue;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view q = absl::StripAsciiWhitespace(parts[i]);
      double weight = 1;
      if (absl::ConsumePrefix(&q, "q=") && absl::SimpleAtod(q, &weight) && weight <= 0) {
        return false;
      }
    }
    return true;
  }
  return false;
}

// A console file, compressed as the client accepts (brotli, else gzip).
void ServeAsset(const Asset& asset, const std::string& accepted, httplib::Response& response) {
  std::string_view bytes = asset.bytes;
  if (Accepts(accepted, "br")) {
    bytes = asset.brotli;
    response.set_header("Content-Encoding", "br");
  } else if (Accepts(accepted, "gzip")) {
    bytes = asset.gzip;
    response.set_header("Content-Encoding", "gzip");
  }
  response.set_header("Vary", "Accept-Encoding");
  response.set_content(bytes.data(), bytes.size(), std::string(asset.content_type));
}

// HTTPS with the PEM pair, or plain HTTP.
std::unique_ptr<httplib::Server> NewServer(const std::string& cert_pem,
                                           const std::string& key_pem) {
  if (cert_pem.empty() || key_pem.empty()) return std::make_unique<httplib::Server>();
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  std::unique_ptr<httplib::Server> server;
  if (cert != nullptr && key != nullptr) server = std::make_unique<httplib::SSLServer>(cert, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  return server;
}

}  // namespace

HttpFace::HttpFace(Options options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), channel_(std::move(channel)) {}

absl::StatusOr<std::unique_ptr<HttpFace>> HttpFace::Start(Options options,
                                                          std::shared_ptr<grpc::Channel> channel) {
  const size_t colon = options.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen must be host:port, not ", options.listen));
  }
  const std::string host = options.listen.substr(0, colon);
  std::unique_ptr<HttpFace> face(new HttpFace(std::move(options), std::move(channel)));
  const Options& o = face->options_;
  face->server_ = NewServer(o.tls_cert_pem, o.tls_key_pem);
  if (face->server_ == nullptr || !face->server_->is_valid()) {
    return absl::InvalidArgumentError("the HTTP face cannot use the TLS certificate and key");
  }
  httplib::Server& server = *face->server_;
  const int threads = o.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(o.max_message_bytes);
  const auto io = absl::ToChronoMicroseconds(o.io_timeout);
  server.set_read_timeout(io);
  server.set_write_timeout(io);
  server.set_keep_alive_timeout(5);
  // httplib closes a kept-alive connection after 5 requests by default; a
  // console makes many more.
  server.set_keep_alive_max_count(10000);
  // httplib listens with a backlog of 5: a thousand dashboards reconnecting
  // after a restart would see their connections dropped. The socket is
  // noted here, before bind, and listened on again with room after it.
  int listening_socket = -1;
  server.set_socket_options([&listening_socket](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listening_socket = socket;
  });
  // Headers and body go in separate writes: without this, Nagle and delayed
  // ACKs hold each answer ~40 ms.
  server.set_tcp_nodelay(true);
  HttpFace* self = face.get();
  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& response) {
    for (const auto& [name, value] : SecurityHeaders()) response.set_header(name, value);
  });
  // httplib compresses answers itself, with brotli at its slowest setting
  // when the client accepts it, as browsers do: a second for the console's
  // script and 25 ms for a 5 KB JSON answer. So the face takes the header
  // away before httplib sees it: the console's files were compressed at
  // build time, and API answers go as they are (an intranet has bandwidth
  // to spare; it is the latency that shows).
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    const std::string accepted = request.get_header_value("Accept-Encoding");
    // httplib's own Request object, which is not const: handlers see it so.
    const_cast<httplib::Request&>(request).headers.erase("Accept-Encoding");
    if (request.method != "GET") return httplib::Server::HandlerResponse::Unhandled;
    const Asset* asset = FindAsset(request.path == "/" ? "/index.html" : request.path);
    if (asset == nullptr) return httplib::Server::HandlerResponse::Unhandled;
    ServeAsset(*asset, accepted, response);
    return httplib::Server::HandlerResponse::Handled;
  });
  if (o.serving) {
    server.Get("/healthz", [self](const httplib::Request&, httplib::Response& response) {
      const bool serving = self->options_.serving();
      response.status = serving ? 200 : 503;
      response.set_header("Cache-Control", "no-store");
      response.set_content(
          serving ? "{\"status\":\"SERVING\"}\n" : "{\"status\":\"NOT_SERVING\"}\n",
          "application/json");
    });
  }
  // Sign-in, when the process has it; before the RPC route, which would
  // match these paths too.
  if (o.sign_in != nullptr) {
    server.Post("/auth/sign-in",
                [self](const httplib::Request& request, httplib::Response& response) {
                  self->HandleSignIn(request, response);
                });
    server.Post("/auth/sign-out",
                [self](const httplib::Request& request, httplib::Response& response) {
                  self->HandleSignOut(request, response);
                });
    server.Get("/auth/session",
               [self](const httplib::Request& request, httplib::Response& response) {
                 self->HandleSession(request, response);
               });
  }
  server.Post(R"(/[^/]+/[^/]+)",
              [self](const httplib::Request& request, httplib::Response& response) {
                self->Handle(request, response);
              });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        ReplyError(response, grpc::Status(grpc::StatusCode::INTERNAL, "the HTTP face failed"));
      });
  face->port_ =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (face->port_ <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", o.listen));
  if (listening_socket >= 0) ::listen(listening_socket, kListenBacklog);
  face->listener_ = std::thread([self] { self->server_->listen_after_bind(); });
  return face;
}

void HttpFace::Handle(const httplib::Request& request, httplib::Response& response) {
  const MethodDescriptor* method = FindPublicMethod(request.path);
  if (method == nullptr) {
    ReplyError(response, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                      absl::StrCat("no procedure ", request.path.substr(0, 120))));
    response.status = 404;
    return;
  }
  if (method->client_streaming()) {
    ReplyError(response,
               grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            "client and bidirectional streams are served over gRPC only"));
    return;
  }
  bool by_cookie = false;
  const std::string authorization = Authorization(request, &by_cookie);
  if (by_cookie && FromAnotherSite(request)) {
    return ReplyError(response, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                             "a request from another site is refused"));
  }
  const std::string type = MediaType(request);
  const bool streaming = method->server_streaming();
  const std::string prefix = streaming ? "application/connect+" : "application/";
  if (type != prefix + "json" && type != prefix + "proto") {
    response.status = 415;
    response.set_header("Accept-Post", prefix + "json, " + prefix + "proto");
    return;
  }
  const bool json = absl::EndsWith(type, "json");
  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());

  if (!streaming) {
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> call_request =
        RequestMessage(*method, request.body, json);
    if (!call_request.ok()) return ReplyError(response, ToGrpcStatus(call_request.status()));
    const absl::Time deadline = CallDeadline(request, options_.max_deadline, /*cap=*/true);
    if (options_.local != nullptr && options_.local->Has(path)) {
      // On this thread, through the gate, without a second trip through gRPC.
      const LocalCall local{.authorization = authorization,
                            .reason = request.get_header_value(kReasonMetadata),
                            .peer = Peer(request),
                            .deadline = deadline,
                            .traceparent = request.get_header_value(kTraceparentHeader)};
      std::unique_ptr<google::protobuf::Message> answer = NewMessage(method->output_type());
      const grpc::Status status = options_.local->Call(path, local, **call_request, answer.get());
      if (!status.ok()) return ReplyError(response, status);
      response.set_content(ResponseBody(*answer, json), type);
      return;
    }
    auto context = CallContext(request, authorization, deadline);
    grpc::ByteBuffer answer;
    grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(),
        grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
        context.get(), ToBuffer((*call_request)->SerializeAsString()), &answer);
    if (!status.ok()) return ReplyError(response, status);
    response.set_content(ResponseBody(*method, FromBuffer(answer), json), type);
    return;
  }

  // A server stream (WatchProgress, the API's one): the request is one
  // envelope; the answer is one envelope per update, then the end of the
  // stream with its status. Served from the feed when progress is hosted
  // here; a process without it serves no stream.
  std::optional<ParsedEnvelope> envelope = ParseEnvelope(request.body, options_.max_message_bytes);
  absl::Status refused;
  if (!envelope) {
    refused = InvalidField("body", "must be one Connect envelope (flags, length, message)");
  } else if (envelope->flags & kCompressedFlag) {
    refused = InvalidField("body", "compressed messages are not accepted");
  } else if (options_.local == nullptr || !options_.local->CanWatchProgress() ||
             path != "/screening.v1.ProgressService/WatchProgress") {
    refused = absl::UnimplementedError(absl::StrCat(path, " is not served by this process"));
  } else {
    return WatchProgressHere(request, response, authorization, *method, envelope->payload, json,
                             type);
  }
  response.set_content(Envelope(kEndStreamFlag, EndStreamJson(ToGrpcStatus(refused))), type);
}

void HttpFace::WatchProgressHere(const httplib::Request& request, httplib::Response& response,
                                 const std::string& authorization, const MethodDescriptor& method,
                                 const std::string& payload, bool json, const std::string& type) {
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> parsed =
      RequestMessage(method, payload, json);
  auto watch_request = std::make_shared<v1::WatchProgressRequest>();
  absl::Status watching = parsed.status();
  if (watching.ok()) {
    watch_request->CopyFrom(**parsed);
    const LocalCall local{.authorization = authorization,
                          .reason = request.get_header_value(kReasonMetadata),
                          .peer = Peer(request),
                          .traceparent = request.get_header_value(kTraceparentHeader)};
    auto watch = std::make_shared<HttpProgressWatch>();
    watching = options_.local->WatchProgress(local, *watch_request, watch.get());
    if (watching.ok()) {
      const LocalMethods* methods = options_.local;
      response.set_chunked_content_provider(
          type,
          [this, watch, json](size_t, httplib::DataSink& sink) {
            for (;;) {
              bool closed = false;
              HttpProgressWatch::Update update = watch->Next(absl::Seconds(1), &closed);
              if (closed) {
                const std::string end = Envelope(
                    kEndStreamFlag,
                    EndStreamJson(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                               "the server is shutting down; watch again with the "
                                               "last offset received")));
                sink.write(end.data(), end.size());
                sink.done();
                return true;
              }
              if (update == nullptr) {
                if (!sink.is_writable()) return false;
                continue;
              }
              std::shared_ptr<const std::string> body = envelopes_.Of(update, json);
              if (!sink.write(body->data(), body->size())) return false;  // the browser left
            }
          },
          [methods, watch_request, watch](bool) {
            methods->UnwatchProgress(*watch_request, watch.get());
          });
      return;
    }
  }
  // Refused: the end of the stream, with the reason, and nothing before it.
  response.set_content(Envelope(kEndStreamFlag, EndStreamJson(ToGrpcStatus(watching))), type);
}

void HttpFace::HandleSignIn(const httplib::Request& request, httplib::Response& response) {
  if (FromAnotherSite(request)) {
    return ReplyError(response, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                             "a sign-in from another site is refused"));
  }
  if (MediaType(request) != "application/json") {
    response.status = 415;
    return;
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.value("username", nlohmann::json()).is_string() ||
      !body.value("password", nlohmann::json()).is_string()) {
    return ReplyError(response, ToGrpcStatus(InvalidField(
                                    "body", R"(must be {"username": "...", "password": "..."})")));
  }
  absl::StatusOr<SignIn::Session> session =
      options_.sign_in->WithPassword(absl::AsciiStrToLower(body["username"].get<std::string>()),
                                     body["password"].get<std::string>(), Peer(request));
  if (!session.ok()) return ReplyError(response, ToGrpcStatus(session.status()));
  response.set_header("Set-Cookie", SessionCookie(session->token, options_.session_ttl, secure()));
  ReplyJson(response, {{"username", session->account.username},
                       {"displayName", session->account.display_name},
                       {"caller", session->account.caller},
                       {"expireTime", FormatTimestamp(session->expire_time)}});
}

void HttpFace::HandleSession(const httplib::Request& request, httplib::Response& response) {
  std::optional<std::string> token =
      CookieValue(request.get_header_value("Cookie"), kSessionCookie);
  absl::StatusOr<Caller> caller =
      token ? options_.sign_in->SessionCaller(*token) : absl::UnauthenticatedError("not signed in");
  if (!caller.ok()) return ReplyError(response, ToGrpcStatus(caller.status()));
  ReplyJson(response, {{"caller", caller->Name()},
                       {"role", std::string(RoleName(caller->role))},
                       {"scope", caller->scope}});
}

void HttpFace::HandleSignOut(const httplib::Request& request, httplib::Response& response) {
  if (FromAnotherSite(request)) {
    return ReplyError(response, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                             "a sign-out from another site is refused"));
  }
  std::optional<std::string> token =
      CookieValue(request.get_header_value("Cookie"), kSessionCookie);
  response.set_header("Set-Cookie", ClearedSessionCookie(secure()));
  if (token && !token->empty()) {
    if (absl::Status out = options_.sign_in->SignOut(*token, Peer(request)); !out.ok()) {
      return ReplyError(response, ToGrpcStatus(out));
    }
  }
  ReplyJson(response, nlohmann::json::object());
}

void HttpFace::Stop() {
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
}

HttpFace::~HttpFace() { Stop(); }

}  // namespace screening::console
