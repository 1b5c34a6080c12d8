#include <gtest/gtest.h>

#include "common/errors.h"
#include "services/scheduling/scheduling_internal_service.h"
#include "services/scheduling/scheduling_service.h"
#include "tests/support/grpc_matchers.h"

namespace screening::scheduling {
namespace {

using ::screening::testing::BadFields;

TEST(ValidateHospital, NamesBadFields) {
  v1::UpsertHospitalRequest request;
  EXPECT_EQ(BadFields(ValidateHospital(request)), std::vector<std::string>{"hospital"});
  request.mutable_hospital()->set_code("h 1");
  request.mutable_hospital()->set_district_code("999999");
  EXPECT_EQ(BadFields(ValidateHospital(request)),
            (std::vector<std::string>{"hospital.code", "hospital.display_name",
                                      "hospital.district_code", "hospital.screenings"}));
  request.mutable_hospital()->add_follow_up_procedures(v1::FOLLOW_UP_PROCEDURE_GASTROSCOPY);
  request.mutable_hospital()->set_code("HRB-001");
  request.mutable_hospital()->set_display_name("哈尔滨市第一医院");
  request.mutable_hospital()->set_district_code("230102");
  EXPECT_TRUE(ValidateHospital(request).ok());
}

TEST(ValidateSetCapacity, NamesBadFields) {
  v1::SetCapacityRequest request;
  request.set_hospital("HRB001");
  request.set_date("2025-02-30");
  request.set_screening_type(static_cast<v1::ScreeningType>(9));
  request.set_capacity(-1);
  EXPECT_EQ(BadFields(ValidateSetCapacity(request)),
            (std::vector<std::string>{"hospital", "date", "screening_type", "capacity"}));
  request.set_hospital("hospitals/HRB001");
  request.set_date("2025-03-03");
  request.set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  request.set_capacity(10001);
  EXPECT_EQ(BadFields(ValidateSetCapacity(request)), std::vector<std::string>{"capacity"});
  request.set_capacity(10000);
  EXPECT_TRUE(ValidateSetCapacity(request).ok());
}

TEST(ValidateSearchSlots, FiltersAreOptionalButChecked) {
  EXPECT_TRUE(ValidateSearchSlots({}).ok());
  EXPECT_EQ(ValidateSearchSlots({})->page_size, 100);
  v1::SearchSlotsRequest request;
  request.set_district_code("230199");
  request.set_hospital("x");
  request.set_start_date("2025-03-10");
  request.set_end_date("2025-03-01");
  request.set_page_size(1001);
  request.set_page_token("garbage");
  EXPECT_EQ(BadFields(ValidateSearchSlots(request).status()),
            (std::vector<std::string>{"district_code", "hospital", "end_date", "page_size",
                                      "page_token"}));
}

TEST(ValidateBookScreening, RequiresNamesAndRequestId) {
  v1::BookScreeningRequest request;
  EXPECT_EQ(BadFields(ValidateBookScreening(request)),
            (std::vector<std::string>{"resident", "slots", "request_id"}));
  request.set_resident("residents/1");
  request.add_slots("slots/2");
  request.set_request_id("r-1");
  EXPECT_TRUE(ValidateBookScreening(request).ok());
}

TEST(ValidateBatchGetBookings, NamesEachBadName) {
  internal::v1::BatchGetBookingsRequest request;
  EXPECT_EQ(BadFields(ValidateBatchGetBookings(request).status()),
            std::vector<std::string>{"names"});
  request.add_names("bookings/7");
  request.add_names("slots/8");
  request.add_names("bookings/9");
  request.add_names("bookings/");
  EXPECT_EQ(BadFields(ValidateBatchGetBookings(request).status()),
            (std::vector<std::string>{"names[1]", "names[3]"}));
  request.set_names(1, "bookings/8");
  request.set_names(3, "bookings/10");
  EXPECT_EQ(*ValidateBatchGetBookings(request), (std::vector<int64_t>{7, 8, 9, 10}));
  for (int i = 4; i < 1001; ++i) request.add_names(absl::StrCat("bookings/", i + 7));
  EXPECT_EQ(BadFields(ValidateBatchGetBookings(request).status()),
            std::vector<std::string>{"names"});
}

}  // namespace
}  // namespace screening::scheduling
