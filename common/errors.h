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
// a google.rpc.BadRequest. The answer stays small enough to deliver (a
// client's default limit on trailers is 8 KiB): the first kMaxListed
// violations and a count of the rest, each field path and description cut
// to a few dozen characters, so no long value a client sent comes back.
class FieldViolations {
 public:
  static constexpr int kMaxListed = 10;
  static constexpr size_t kMaxFieldBytes = 64;
  static constexpr size_t kMaxDescriptionBytes = 200;

  void Add(std::string field, std::string description);
  // Adds the field violations another validation returned (none if it was OK).
  void AddAll(const absl::Status& status);
  bool empty() const { return request_.field_violations().empty(); }
  // INVALID_ARGUMENT whose message lists the fields; OK when none were added.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest request_;
  int64_t unlisted_ = 0;  // violations past kMaxListed
};

// Shorthand for one bad field.
absl::Status InvalidField(std::string field, std::string description);

// A client stream's end: its last message declares how many items it sent
// (`field`). OK when the declared count arrived; otherwise INVALID_ARGUMENT
// naming `field`, with reason STREAM_INCOMPLETE: a stream that ended without
// its last message (gRPC ends a stream at a message it cannot parse) or
// with another count did not arrive whole, and the client must be told.
absl::Status CheckStreamEnd(absl::string_view field, std::optional<int64_t> declared,
                            int64_t received, absl::string_view items);

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
