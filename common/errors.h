// Errors inside the services are absl::Status; their details (which fields
// were bad, a stable reason) ride as payloads keyed by the google.rpc type
// URL, so ToGrpcStatus can put them on the wire unchanged.
//
//   FieldViolations bad;
//   if (request.capacity() < 0) bad.Add("capacity", "must be 0 or more");
//   if (!bad.empty()) return bad.ToStatus();
//   ...
//   return WithReason(absl::FailedPreconditionError("slot is full"), "SLOT_FULL");
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace screening {

// The ErrorInfo domain of every reason this API sends.
inline constexpr absl::string_view kErrorDomain = "screening.v1";

// Collects bad fields of one request and turns them into INVALID_ARGUMENT with
// a google.rpc.BadRequest.
class FieldViolations {
 public:
  void Add(std::string field, std::string description);
  // Adds the field violations another validation returned (none if it was OK).
  void AddAll(const absl::Status& status);
  bool empty() const { return request_.field_violations().empty(); }
  // INVALID_ARGUMENT whose message lists the fields; OK when none were added.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest request_;
};

// Shorthand for one bad field.
absl::Status InvalidField(std::string field, std::string description);

// Attaches a google.rpc.ErrorInfo with a stable reason (and metadata).
absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata = {});

// Attaches a google.rpc.PreconditionFailure.
absl::Status WithPreconditionFailure(absl::Status status,
                                     const google::rpc::PreconditionFailure& failure);

// The typed details carried by a status, if present.
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(const absl::Status& status);

// The one place an absl::Status becomes a grpc::Status: code, message, and a
// google.rpc.Status with every detail in the `grpc-status-details-bin` trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The same as a google.rpc.Status message (for per-item answers of a stream).
google::rpc::Status ToRpcStatus(const absl::Status& status);

// The inverse, for a service calling another: details survive the hop.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace screening
