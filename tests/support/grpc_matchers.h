// What tests check about a gRPC answer: the code, the fields a BadRequest
// names, the ErrorInfo reason. Tests check the specific error, never "not ok".
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace grpc {
// Lets gtest print a status readably in failure messages.
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << "status " << static_cast<int>(status.error_code()) << ": " << status.error_message();
}
}  // namespace grpc

namespace screening::testing {

// The fields named by the status's google.rpc.BadRequest, in order.
std::vector<std::string> BadFields(const grpc::Status& status);
std::vector<std::string> BadFields(const absl::Status& status);

// The google.rpc.ErrorInfo reason, or "".
std::string ErrorReason(const grpc::Status& status);

// EXPECT_THAT(status, GrpcIs(grpc::StatusCode::NOT_FOUND));
MATCHER_P(GrpcIs, code, "") {
  if (arg.error_code() == code) return true;
  *result_listener << "status is " << static_cast<int>(arg.error_code()) << ": "
                   << arg.error_message();
  return false;
}

// EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
MATCHER_P(StatusIs, code, "") {
  if (arg.code() == code) return true;
  *result_listener << "status is " << arg.ToString();
  return false;
}

}  // namespace screening::testing
