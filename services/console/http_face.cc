#include "services/console/http_face.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>
#include <httplib.h>
#include <openssl/pem.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/console/connect_protocol.h"

namespace screening::console {
namespace {

using google::protobuf::MethodDescriptor;

// Only the public API is callable from a browser (screening.internal.v1 is
// for services, over gRPC).
constexpr absl::string_view kPublicPackage = "screening.v1.";

// Request headers passed on to the gRPC call as metadata.
constexpr const char* kForwardedHeaders[] = {"authorization", "x-screening-reason"};

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

// The request's protobuf bytes, from JSON or checked binary.
absl::StatusOr<std::string> RequestBytes(const MethodDescriptor& method, const std::string& body,
                                         bool json) {
  std::unique_ptr<google::protobuf::Message> message = NewMessage(method.input_type());
  if (!json) {
    if (!message->ParseFromString(body)) {
      return InvalidField("body", absl::StrCat("is not a ", method.input_type()->full_name()));
    }
    return body;
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
  return message->SerializeAsString();
}

std::string ResponseBody(const MethodDescriptor& method, const std::string& bytes, bool json) {
  if (!json) return bytes;
  std::unique_ptr<google::protobuf::Message> message = NewMessage(method.output_type());
  message->ParseFromString(bytes);
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // a browser sees 0 and false, not a gap
  std::string json_text;
  google::protobuf::util::MessageToJsonString(*message, &json_text, options);
  return json_text;
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

// The call's context: the caller's credentials and reason passed on, and its
// deadline (Connect-Timeout-Ms) capped at `max_deadline` when `cap` is set.
std::unique_ptr<grpc::ClientContext> CallContext(const httplib::Request& request,
                                                 absl::Duration max_deadline, bool cap) {
  auto context = std::make_unique<grpc::ClientContext>();
  for (const char* header : kForwardedHeaders) {
    if (request.has_header(header)) context->AddMetadata(header, request.get_header_value(header));
  }
  absl::Duration timeout = cap ? max_deadline : absl::InfiniteDuration();
  int64_t millis = 0;
  if (absl::SimpleAtoi(request.get_header_value("Connect-Timeout-Ms"), &millis) && millis > 0) {
    timeout = std::min(timeout, absl::Milliseconds(millis));
  }
  if (timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  return context;
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
  HttpFace* self = face.get();
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
    absl::StatusOr<std::string> bytes = RequestBytes(*method, request.body, json);
    if (!bytes.ok()) return ReplyError(response, ToGrpcStatus(bytes.status()));
    auto context = CallContext(request, options_.max_deadline, /*cap=*/true);
    grpc::ByteBuffer answer;
    grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(),
        grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
        context.get(), ToBuffer(*bytes), &answer);
    if (!status.ok()) return ReplyError(response, status);
    response.set_content(ResponseBody(*method, FromBuffer(answer), json), type);
    return;
  }

  // A server stream: the request is one envelope; the answer is one
  // envelope per message, then the end of the stream with its status.
  std::optional<ParsedEnvelope> envelope = ParseEnvelope(request.body, options_.max_message_bytes);
  absl::StatusOr<std::string> bytes =
      !envelope ? absl::StatusOr<std::string>(
                      InvalidField("body", "must be one Connect envelope (flags, length, message)"))
      : (envelope->flags & kCompressedFlag) ? absl::StatusOr<std::string>(InvalidField(
                                                  "body", "compressed messages are not accepted"))
                                            : RequestBytes(*method, envelope->payload, json);
  auto context = std::shared_ptr<grpc::ClientContext>(
      CallContext(request, options_.max_deadline, /*cap=*/false));
  response.set_chunked_content_provider(type, [this, method, path, json, bytes = std::move(bytes),
                                               context](size_t, httplib::DataSink& sink) {
    grpc::Status status;
    if (!bytes.ok()) {
      status = ToGrpcStatus(bytes.status());
    } else {
      std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
          grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
              channel_.get(),
              grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING),
              context.get(), ToBuffer(*bytes)));
      grpc::ByteBuffer message;
      while (reader->Read(&message)) {
        const std::string out = Envelope(0, ResponseBody(*method, FromBuffer(message), json));
        if (!sink.write(out.data(), out.size())) {
          context->TryCancel();  // the browser went away
          reader->Finish();
          return false;
        }
      }
      status = reader->Finish();
    }
    const std::string end = Envelope(kEndStreamFlag, EndStreamJson(status));
    sink.write(end.data(), end.size());
    sink.done();
    return true;
  });
}

void HttpFace::Stop() {
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
}

HttpFace::~HttpFace() { Stop(); }

}  // namespace screening::console
