#include "tests/support/grpc_matchers.h"

#include "common/errors.h"

namespace screening::testing {

std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto details = GetBadRequest(status)) {
    for (const auto& v : details->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

std::vector<std::string> BadFields(const grpc::Status& status) {
  return BadFields(FromGrpcStatus(status));
}

std::string ErrorReason(const grpc::Status& status) {
  auto info = GetErrorInfo(FromGrpcStatus(status));
  return info ? info->reason() : "";
}

}  // namespace screening::testing
