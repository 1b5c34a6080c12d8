#include "services/registry/id_number.h"

#include <gtest/gtest.h>

namespace screening::registry {
namespace {

const absl::CivilDay kToday(2025, 3, 1);

TEST(ParseIdNumber, AcceptsDomainExamples) {
  struct Case {
    const char* id;
    absl::CivilDay birth;
    Sex sex;
  };
  for (const Case& c : {
           Case{"23010219700101001X", absl::CivilDay(1970, 1, 1), Sex::kMale},
           Case{"230184196503150020", absl::CivilDay(1965, 3, 15), Sex::kFemale},
           Case{"230113198002290125", absl::CivilDay(1980, 2, 29), Sex::kFemale},
           Case{"11010519491231002X", absl::CivilDay(1949, 12, 31), Sex::kFemale},
           Case{"440524188001010014", absl::CivilDay(1880, 1, 1), Sex::kMale},
       }) {
    auto parsed = ParseIdNumber(c.id, kToday);
    ASSERT_TRUE(parsed.ok()) << c.id << ": " << parsed.status();
    EXPECT_EQ(parsed->canonical, c.id);
    EXPECT_EQ(parsed->birth_date, c.birth) << c.id;
    EXPECT_EQ(parsed->sex, c.sex) << c.id;
  }
}

TEST(ParseIdNumber, AcceptsLowerCaseX) {
  auto parsed = ParseIdNumber("23010219700101001x", kToday);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->canonical, "23010219700101001X");
}

TEST(ParseIdNumber, RejectsWrongCheckCharacter) {
  auto parsed = ParseIdNumber("230102197001010010", kToday);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "check character should be X");
}

TEST(ParseIdNumber, RejectsImpossibleDateEvenWithCorrectCheck) {
  std::string first17 = "23011319800230012";
  std::string id = first17 + IdCheckCharacter(first17);
  auto parsed = ParseIdNumber(id, kToday);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("not a real date"), std::string::npos);
}

TEST(ParseIdNumber, RejectsFebruary29InCommonYear) {
  std::string first17 = "23011319810229012";
  EXPECT_FALSE(ParseIdNumber(first17 + IdCheckCharacter(first17), kToday).ok());
}

TEST(ParseIdNumber, RejectsFutureBirthDate) {
  std::string first17 = "23010220250302001";
  auto parsed = ParseIdNumber(first17 + IdCheckCharacter(first17), kToday);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("future"), std::string::npos);
  first17 = "23010220250301001";
  EXPECT_TRUE(ParseIdNumber(first17 + IdCheckCharacter(first17), kToday).ok());
}

TEST(ParseIdNumber, ConvertsLegacyFifteenDigits) {
  auto parsed = ParseIdNumber("230102700101001", kToday);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->canonical, "23010219700101001X");
  EXPECT_EQ(parsed->birth_date, absl::CivilDay(1970, 1, 1));
}

TEST(ParseIdNumber, RejectsMalformed) {
  for (const char* bad : {"", "2301021970010100", "23010219700101001Y", "2301021970010100X1",
                          "A3010219700101001X", "23010270010100X", "2301021970010100１X"}) {
    EXPECT_FALSE(ParseIdNumber(bad, kToday).ok()) << bad;
  }
}

TEST(ParseIdNumber, NeverRejectsOnPrefix) {
  std::string first17 = "99999919700101001";
  EXPECT_TRUE(ParseIdNumber(first17 + IdCheckCharacter(first17), kToday).ok());
}

TEST(MaskIdNumber, KeepsDivisionAndLastFour) {
  EXPECT_EQ(MaskIdNumber("23010219700101001X"), "230102********001X");
}

TEST(CurrentDivisionCode, MapsOldHarbinCodes) {
  EXPECT_EQ(CurrentDivisionCode("230105"), "230104");
  EXPECT_EQ(CurrentDivisionCode("230106"), "230110");
  EXPECT_EQ(CurrentDivisionCode("230107"), "230110");
  EXPECT_EQ(CurrentDivisionCode("230121"), "230111");
  EXPECT_EQ(CurrentDivisionCode("230122"), "230112");
  EXPECT_EQ(CurrentDivisionCode("230181"), "230112");
  EXPECT_EQ(CurrentDivisionCode("230182"), "230113");
  EXPECT_EQ(CurrentDivisionCode("230102"), "230102");
}

}  // namespace
}  // namespace screening::registry
