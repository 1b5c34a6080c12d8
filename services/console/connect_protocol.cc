#include "services/console/connect_protocol.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"

namespace screening::console {
namespace {

// The detail as JSON, for people reading the error ("debug"), when it is a
// type this binary knows; null otherwise.
nlohmann::json DebugJson(const google::protobuf::Any& any) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const std::string type(any.type_url().substr(any.type_url().rfind('/') + 1));
  const google::protobuf::Descriptor* descriptor = pool->FindMessageTypeByName(type);
  if (descriptor == nullptr) return nullptr;
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(descriptor)->New());
  if (!message->ParseFromString(any.value())) return nullptr;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*message, &json).ok()) return nullptr;
  return nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json ErrorObject(const grpc::Status& status) {
  nlohmann::json error = {{"code", std::string(ConnectCodeName(status.error_code()))}};
  if (!status.error_message().empty()) error["message"] = status.error_message();
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    nlohmann::json list = nlohmann::json::array();
    for (const google::protobuf::Any& any : details.details()) {
      std::string value;
      absl::Base64Escape(any.value(), &value);
      while (!value.empty() && value.back() == '=') value.pop_back();  // Connect: unpadded
      nlohmann::json detail = {{"type", any.type_url().substr(any.type_url().rfind('/') + 1)},
                               {"value", value}};
      nlohmann::json debug = DebugJson(any);
      if (!debug.is_null() && !debug.is_discarded()) detail["debug"] = std::move(debug);
      list.push_back(std::move(detail));
    }
    if (!list.empty()) error["details"] = std::move(list);
  }
  return error;
}

}  // namespace

absl::string_view ConnectCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "canceled";
    case grpc::StatusCode::UNKNOWN:
      return "unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

std::string ConnectErrorJson(const grpc::Status& status) { return ErrorObject(status).dump(); }

std::string EndStreamJson(const grpc::Status& status) {
  if (status.ok()) return "{}";
  return nlohmann::json{{"error", ErrorObject(status)}}.dump();
}

std::string Envelope(uint8_t flags, absl::string_view payload) {
  std::string out(5, '\0');
  out[0] = static_cast<char>(flags);
  const uint32_t size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((size >> (24 - 8 * i)) & 0xff);
  out.append(payload.data(), payload.size());
  return out;
}

std::optional<ParsedEnvelope> ParseEnvelope(absl::string_view body, size_t max_payload) {
  if (body.size() < 5) return std::nullopt;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size = (size << 8) | static_cast<unsigned char>(body[1 + i]);
  if (size > max_payload || body.size() - 5 < size) return std::nullopt;
  return ParsedEnvelope{static_cast<uint8_t>(body[0]), std::string(body.substr(5, size))};
}

}  // namespace screening::console
