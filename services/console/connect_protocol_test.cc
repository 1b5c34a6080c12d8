#include "services/console/connect_protocol.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "nlohmann/json.hpp"

namespace screening::console {
namespace {

TEST(ConnectProtocol, CodesAndHttpStatusesFollowConnectsTable) {
  const std::pair<grpc::StatusCode, std::pair<const char*, int>> kTable[] = {
      {grpc::StatusCode::CANCELLED, {"canceled", 499}},
      {grpc::StatusCode::UNKNOWN, {"unknown", 500}},
      {grpc::StatusCode::INVALID_ARGUMENT, {"invalid_argument", 400}},
      {grpc::StatusCode::DEADLINE_EXCEEDED, {"deadline_exceeded", 504}},
      {grpc::StatusCode::NOT_FOUND, {"not_found", 404}},
      {grpc::StatusCode::ALREADY_EXISTS, {"already_exists", 409}},
      {grpc::StatusCode::PERMISSION_DENIED, {"permission_denied", 403}},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, {"resource_exhausted", 429}},
      {grpc::StatusCode::FAILED_PRECONDITION, {"failed_precondition", 400}},
      {grpc::StatusCode::ABORTED, {"aborted", 409}},
      {grpc::StatusCode::OUT_OF_RANGE, {"out_of_range", 400}},
      {grpc::StatusCode::UNIMPLEMENTED, {"unimplemented", 501}},
      {grpc::StatusCode::INTERNAL, {"internal", 500}},
      {grpc::StatusCode::UNAVAILABLE, {"unavailable", 503}},
      {grpc::StatusCode::DATA_LOSS, {"data_loss", 500}},
      {grpc::StatusCode::UNAUTHENTICATED, {"unauthenticated", 401}},
  };
  for (const auto& [code, expected] : kTable) {
    EXPECT_EQ(ConnectCodeName(code), expected.first);
    EXPECT_EQ(HttpStatusFor(code), expected.second) << expected.first;
  }
}

TEST(ConnectProtocol, ErrorsCarryTheirDetailsAsBase64AndDebugJson) {
  const grpc::Status status = ToGrpcStatus(InvalidField("resident.full_name", "is required"));
  const nlohmann::json error = nlohmann::json::parse(ConnectErrorJson(status));
  EXPECT_EQ(error["code"], "invalid_argument");
  EXPECT_EQ(error["message"], status.error_message());
  ASSERT_EQ(error["details"].size(), 1u);
  EXPECT_EQ(error["details"][0]["type"], "google.rpc.BadRequest");
  const std::string value = error["details"][0]["value"];
  EXPECT_EQ(value.find('='), std::string::npos) << "Connect's base64 is unpadded";
  EXPECT_EQ(error["details"][0]["debug"]["fieldViolations"][0]["field"], "resident.full_name");
  // The value is the detail's bytes.
  std::string padded = value + std::string((4 - value.size() % 4) % 4, '=');
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(padded, &raw));
  google::rpc::BadRequest bad;
  ASSERT_TRUE(bad.ParseFromString(raw));
  EXPECT_EQ(bad.field_violations(0).description(), "is required");

  const nlohmann::json plain =
      nlohmann::json::parse(ConnectErrorJson(grpc::Status(grpc::StatusCode::UNAVAILABLE, "retry")));
  EXPECT_EQ(plain["code"], "unavailable");
  EXPECT_FALSE(plain.contains("details"));
}

TEST(ConnectProtocol, EnvelopesRoundTripAndRefuseWhatIsTruncatedOrTooBig) {
  const std::string one = Envelope(0, R"({"programmeYear":2025})");
  ASSERT_EQ(one.size(), 5u + 22u);
  EXPECT_EQ(one[4], 22);
  auto parsed = ParseEnvelope(one, 1024);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->flags, 0);
  EXPECT_EQ(parsed->payload, R"({"programmeYear":2025})");
  EXPECT_FALSE(ParseEnvelope(one.substr(0, 10), 1024).has_value());
  EXPECT_FALSE(ParseEnvelope("\x00\x00", 1024).has_value());
  EXPECT_FALSE(ParseEnvelope(one, 10).has_value());
  EXPECT_EQ(static_cast<uint8_t>(Envelope(kEndStreamFlag, "{}")[0]), kEndStreamFlag);
  EXPECT_EQ(EndStreamJson(grpc::Status::OK), "{}");
  EXPECT_EQ(nlohmann::json::parse(
                EndStreamJson(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")))["error"]["code"],
            "unavailable");
}

}  // namespace
}  // namespace screening::console
