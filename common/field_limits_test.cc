#include "common/field_limits.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "screening/internal/v1/scheduling.pb.h"
#include "screening/v1/registry.pb.h"
#include "screening/v1/scheduling.pb.h"
#include "tests/support/grpc_matchers.h"

namespace screening {
namespace {

using ::screening::testing::BadFields;

TEST(FieldLimits, LengthsInCharactersAtAndPastEachLimit) {
  v1::RegisterResidentRequest request;
  // 64 Chinese characters (3 bytes each) fit full_name's 64; 65 do not.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "张";
  request.mutable_resident()->set_full_name(name);
  request.set_request_id(std::string(64, 'r'));
  EXPECT_TRUE(CheckFieldLimits(request).ok()) << CheckFieldLimits(request);
  request.mutable_resident()->set_full_name(name + "张");
  request.set_request_id(std::string(65, 'r'));
  EXPECT_EQ(BadFields(CheckFieldLimits(request)),
            (std::vector<std::string>{"resident.full_name", "request_id"}));
}

TEST(FieldLimits, ControlCharactersAreRefusedButLineBreaksInNotes) {
  for (const std::string& bad : {std::string("张\0三", 4), std::string("\x1b[31m张三"),
                                 std::string("张三\r\n"), std::string("张\xc2\x85三")}) {
    v1::RegisterResidentRequest request;
    request.mutable_resident()->set_full_name(bad);
    EXPECT_EQ(BadFields(CheckFieldLimits(request)), std::vector<std::string>{"resident.full_name"});
    const absl::Status status = CheckFieldLimits(request);
    EXPECT_EQ(status.message().find(bad), std::string::npos) << "the value is never echoed";
  }
  EXPECT_TRUE(CheckString("第一行\n第二行\t完", LimitOfField("note")).ok());
  EXPECT_FALSE(CheckString("第一行\x1b[0m", LimitOfField("note")).ok());
  EXPECT_FALSE(CheckString("第一行\n", LimitOfField("reason")).ok());
  EXPECT_TRUE(CheckString("Ünïcödé ½ — 张三·阿卜杜拉", LimitOfField("full_name")).ok());
}

TEST(FieldLimits, RepeatedFieldsAndMapKeysByPathWithoutTheValue) {
  v1::AllocateTargetsRequest request;
  const std::string huge_key(1 << 20, 'k');
  (*request.mutable_eligible_population())[huge_key] = 5;
  (*request.mutable_eligible_population())["230102"] = 7;
  const absl::Status status = CheckFieldLimits(request);
  EXPECT_EQ(BadFields(status), std::vector<std::string>{"eligible_population"});
  EXPECT_LT(status.message().size(), 200u);

  internal::v1::BatchGetBookingsRequest names;
  names.add_names("bookings/1");
  names.add_names(std::string(129, 'b'));
  EXPECT_EQ(BadFields(CheckFieldLimits(names, "batch")),
            std::vector<std::string>{"batch.names[1]"});
}

TEST(FieldViolations, AnswersStaySmall) {
  FieldViolations bad;
  for (int i = 0; i < 10000; ++i) bad.Add(absl::StrCat("working_days[", i, "]"), "is not a day");
  bad.Add(std::string(1 << 20, 'f'), std::string(1 << 20, 'd'));
  const absl::Status status = bad.ToStatus();
  EXPECT_EQ(BadFields(status).size(), static_cast<size_t>(FieldViolations::kMaxListed));
  EXPECT_NE(status.message().find("and 9991 more not listed"), std::string::npos)
      << status.message();
  EXPECT_LT(status.message().size(), 2048u);

  FieldViolations long_one;
  long_one.Add(std::string(1 << 20, 'f'), std::string(300, 'd'));
  const auto details = GetBadRequest(long_one.ToStatus());
  ASSERT_TRUE(details.has_value());
  EXPECT_LE(details->field_violations(0).field().size(), FieldViolations::kMaxFieldBytes);
  EXPECT_LE(details->field_violations(0).description().size(),
            FieldViolations::kMaxDescriptionBytes);
  // A cut never splits a character.
  std::string hundred_characters;
  for (int i = 0; i < 100; ++i) hundred_characters += "张";  // 300 bytes
  FieldViolations chinese;
  chinese.Add("f", hundred_characters);
  const std::string cut = GetBadRequest(chinese.ToStatus())->field_violations(0).description();
  EXPECT_EQ(cut.substr(cut.size() - 3), "…");
  EXPECT_EQ((cut.size() - 3) % 3, 0u);
}

}  // namespace
}  // namespace screening
