#include "common/errors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/status.pb.h"

namespace screening {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

template <typename Message>
std::string TypeUrl() {
  return absl::StrCat(kTypeUrlPrefix, Message::descriptor()->full_name());
}

template <typename Message>
std::optional<Message> GetPayload(const absl::Status& status) {
  auto payload = status.GetPayload(TypeUrl<Message>());
  if (!payload) return std::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

template <typename Message>
absl::Status WithPayload(absl::Status status, const Message& message) {
  if (status.ok()) return status;
  status.SetPayload(TypeUrl<Message>(), absl::Cord(message.SerializeAsString()));
  return status;
}

// Cuts `text` to at most `max_bytes` on a UTF-8 character boundary, marking the cut.
std::string Shortened(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes - 3;  // room for "…" (3 bytes)
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "…";
}

}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  if (request_.field_violations_size() >= kMaxListed) {
    ++unlisted_;
    return;
  }
  auto* violation = request_.add_field_violations();
  violation->set_field(Shortened(std::move(field), kMaxFieldBytes));
  violation->set_description(Shortened(std::move(description), kMaxDescriptionBytes));
}

void FieldViolations::AddAll(const absl::Status& status) {
  if (auto other = GetBadRequest(status)) {
    for (const auto& v : other->field_violations()) Add(v.field(), v.description());
  }
}

absl::Status FieldViolations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  std::vector<std::string> parts;
  for (const auto& v : request_.field_violations()) {
    parts.push_back(absl::StrCat(v.field(), ": ", v.description()));
  }
  std::string message = absl::StrJoin(parts, "; ");
  if (unlisted_ > 0) absl::StrAppend(&message, "; and ", unlisted_, " more not listed");
  return WithPayload(absl::InvalidArgumentError(message), request_);
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations violations;
  violations.Add(std::move(field), std::move(description));
  return violations.ToStatus();
}

absl::Status CheckStreamEnd(absl::string_view field, std::optional<int64_t> declared,
                            int64_t received, absl::string_view items) {
  if (declared == received) return absl::OkStatus();
  const std::string what =
      declared ? absl::StrCat("the last message says ", *declared, " ", items, " but ", received,
                              " arrived")
               : absl::StrCat("the stream ended after ", received, " ", items,
                              " without its last message (", field,
                              "): a message that could not be parsed ends a stream early");
  return WithReason(
      InvalidField(std::string(field),
                   absl::StrCat(what, "; each of the ", received,
                                " that arrived was handled and answered, nothing after it")),
      "STREAM_INCOMPLETE");
}

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  return WithPayload(std::move(status), info);
}

absl::Status WithPreconditionFailure(absl::Status status,
                                     const google::rpc::PreconditionFailure& failure) {
  return WithPayload(std::move(status), failure);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return GetPayload<google::rpc::BadRequest>(status);
}
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetPayload<google::rpc::ErrorInfo>(status);
}
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(const absl::Status& status) {
  return GetPayload<google::rpc::PreconditionFailure>(status);
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return rpc_status;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      ToRpcStatus(status).SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const auto& any : rpc_status.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

}  // namespace screening
