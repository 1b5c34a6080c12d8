#include "services/scheduling/visit_rules.h"

#include <gtest/gtest.h>

#include "tests/support/grpc_matchers.h"

namespace screening::scheduling {
namespace {

using ::screening::testing::BadFields;

v1::Slot MakeSlot(const std::string& hospital, const std::string& date, v1::Session session,
                  v1::ScreeningType type) {
  v1::Slot s;
  s.set_hospital(hospital);
  s.set_date(date);
  s.set_session(session);
  s.set_screening_type(type);
  return s;
}

TEST(Entitlement, AdultScreeningsCountPerYearNiptPerPregnancy) {
  EXPECT_EQ(Entitlement(v1::SCREENING_TYPE_GASTRIC, 2025, std::nullopt), "y2025");
  EXPECT_EQ(Entitlement(v1::SCREENING_TYPE_GASTRIC, 2025, 17), "y2025");
  EXPECT_EQ(Entitlement(v1::SCREENING_TYPE_NIPT, 2025, 17), "p17");
}

TEST(CheckOneVisit, SameHospitalSessionAndDayAndOneSlotPerScreening) {
  const auto a =
      MakeSlot("hospitals/H", "2025-03-03", v1::SESSION_MORNING, v1::SCREENING_TYPE_COLORECTAL);
  const auto b =
      MakeSlot("hospitals/H", "2025-03-03", v1::SESSION_MORNING, v1::SCREENING_TYPE_FOUR_HIGHS);
  EXPECT_TRUE(CheckOneVisit({a, b}, "slots").ok());
  EXPECT_EQ(BadFields(CheckOneVisit({}, "slots")), std::vector<std::string>{"slots"});
  EXPECT_EQ(BadFields(CheckOneVisit({a, a}, "slots")), std::vector<std::string>{"slots"});
  for (const auto& other :
       {MakeSlot("hospitals/G", "2025-03-03", v1::SESSION_MORNING, v1::SCREENING_TYPE_GASTRIC),
        MakeSlot("hospitals/H", "2025-03-04", v1::SESSION_MORNING, v1::SCREENING_TYPE_GASTRIC),
        MakeSlot("hospitals/H", "2025-03-03", v1::SESSION_AFTERNOON, v1::SCREENING_TYPE_GASTRIC)}) {
    EXPECT_EQ(BadFields(CheckOneVisit({a, other}, "slots")), std::vector<std::string>{"slots"});
  }
}

TEST(PlanSlots, WorkingDaysHolidaysSessionsAndPlaces) {
  v1::Hospital h;
  h.add_screenings(v1::SCREENING_TYPE_GASTRIC);
  auto* morning = h.add_sessions();
  morning->set_session(v1::SESSION_MORNING);
  auto* p = morning->add_places();
  p->set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  p->set_places(12);
  auto* none = morning->add_places();
  none->set_screening_type(v1::SCREENING_TYPE_FOUR_HIGHS);
  none->set_places(0);
  // Default working days: Monday to Friday. 2025-03-08 is a Saturday.
  EXPECT_TRUE(IsWorkingDay(h, absl::CivilDay(2025, 3, 7)));
  EXPECT_FALSE(IsWorkingDay(h, absl::CivilDay(2025, 3, 8)));
  h.add_holidays("2025-03-07");
  EXPECT_FALSE(IsWorkingDay(h, absl::CivilDay(2025, 3, 7)));
  h.add_working_days(6);
  EXPECT_TRUE(IsWorkingDay(h, absl::CivilDay(2025, 3, 8)));
  EXPECT_FALSE(IsWorkingDay(h, absl::CivilDay(2025, 3, 6))) << "only Saturday now";

  const auto planned = PlanSlots(h, absl::CivilDay(2025, 3, 1), absl::CivilDay(2025, 3, 31));
  ASSERT_EQ(planned.size(), 5u);  // the Saturdays of March 2025
  EXPECT_EQ(planned[0].day, absl::CivilDay(2025, 3, 1));
  EXPECT_EQ(planned[0].places, 12);
  EXPECT_EQ(planned[0].screening_type, v1::SCREENING_TYPE_GASTRIC);
  EXPECT_TRUE(Offers(h, v1::SCREENING_TYPE_GASTRIC));
  EXPECT_FALSE(Offers(h, v1::SCREENING_TYPE_NIPT));
}

TEST(NewVerificationCode, SixDigits) {
  for (int i = 0; i < 100; ++i) {
    const std::string code = NewVerificationCode();
    ASSERT_EQ(code.size(), 6u);
    for (char c : code) EXPECT_TRUE(c >= '0' && c <= '9');
  }
}

}  // namespace
}  // namespace screening::scheduling
