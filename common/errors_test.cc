#include "common/errors.h"

#include <gtest/gtest.h>

#include "google/rpc/status.pb.h"

namespace screening {
namespace {

TEST(FieldViolations, EmptyIsOk) { EXPECT_TRUE(FieldViolations().ToStatus().ok()); }

TEST(FieldViolations, NamesEveryField) {
  FieldViolations bad;
  bad.Add("resident.id_number", "check character should be X");
  bad.Add("resident.district_code", "is not one of Harbin's 18");
  absl::Status status = bad.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto details = GetBadRequest(status);
  ASSERT_TRUE(details.has_value());
  ASSERT_EQ(details->field_violations_size(), 2);
  EXPECT_EQ(details->field_violations(0).field(), "resident.id_number");
  EXPECT_EQ(details->field_violations(1).field(), "resident.district_code");
}

TEST(ToGrpcStatus, CarriesDetailsAndSurvivesTheRoundTrip) {
  absl::Status status =
      WithReason(absl::FailedPreconditionError("slot is full"), "SLOT_FULL", {{"slot", "slots/1"}});
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(wire.error_message(), "slot is full");
  google::rpc::Status rpc_status;
  ASSERT_TRUE(rpc_status.ParseFromString(wire.error_details()));
  EXPECT_EQ(rpc_status.code(), static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_EQ(rpc_status.details_size(), 1);
  EXPECT_EQ(rpc_status.details(0).type_url(), "type.googleapis.com/google.rpc.ErrorInfo");

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  auto info = GetErrorInfo(back);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "SLOT_FULL");
  EXPECT_EQ(info->domain(), "screening.v1");
  EXPECT_EQ(info->metadata().at("slot"), "slots/1");
}

TEST(ToGrpcStatus, OkIsOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

}  // namespace
}  // namespace screening
