#include "common/programme.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

TEST(Programmes, FromJsonWithDefaults) {
  auto programmes = Programmes::FromJson(R"({"programmes": [
      {"year": 2025},
      {"year": 2026, "min_age": 40, "max_age": 65, "age_reference": "year_end",
       "persons_target": 900000, "nipt_target": 7000}]})");
  ASSERT_TRUE(programmes.ok()) << programmes.status();
  const ProgrammeRules* y2025 = programmes->Find(2025);
  ASSERT_NE(y2025, nullptr);
  EXPECT_EQ(y2025->min_age, 45);
  EXPECT_EQ(y2025->max_age, 60);
  EXPECT_EQ(y2025->persons_target, 800000);
  EXPECT_EQ(y2025->nipt_target, 6000);
  const ProgrammeRules* y2026 = programmes->Find(2026);
  ASSERT_NE(y2026, nullptr);
  EXPECT_EQ(y2026->min_age, 40);
  EXPECT_EQ(y2026->persons_target, 900000);
  EXPECT_EQ(y2026->AgeReferenceDay(absl::CivilDay(2026, 3, 1)), absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(programmes->Find(2027), nullptr);
}

TEST(Programmes, RejectsBadRules) {
  for (const char* bad : {
           "",
           "[]",
           R"({"programmes": []})",
           R"({"programmes": [{}]})",
           R"({"programmes": [{"year": 2025, "colour": "red"}]})",
           R"({"programmes": [{"year": 2025, "min_age": 61}]})",
           R"({"programmes": [{"year": 2025, "min_age": "45"}]})",
           R"({"programmes": [{"year": 1999}]})",
           R"({"programmes": [{"year": 2025}, {"year": 2025}]})",
           R"({"programmes": [{"year": 2025, "age_reference": "birthday"}]})",
           R"({"programmes": [{"year": 2025}], "extra": 1})",
       }) {
    EXPECT_FALSE(Programmes::FromJson(bad).ok()) << bad;
  }
}

TEST(ProgrammeRules, AgeReferenceDay) {
  ProgrammeRules rules;
  EXPECT_EQ(rules.AgeReferenceDay(absl::CivilDay(2025, 6, 3)), absl::CivilDay(2025, 6, 3));
  rules.age_reference = AgeReference::kYearStart;
  EXPECT_EQ(rules.AgeReferenceDay(absl::CivilDay(2025, 6, 3)), absl::CivilDay(2025, 1, 1));
}

}  // namespace
}  // namespace screening
