#include <gtest/gtest.h>

#include "common/errors.h"
#include "services/registry/registry_internal_service.h"
#include "services/registry/registry_service.h"
#include "tests/support/grpc_matchers.h"

namespace screening::registry {
namespace {

const absl::CivilDay kToday(2025, 3, 1);

v1::RegisterResidentRequest Valid() {
  v1::RegisterResidentRequest request;
  auto* r = request.mutable_resident();
  r->set_id_number("23010219700101001x");
  r->set_full_name("张三");
  r->set_phone("13900000000");
  r->set_district_code("230102");
  r->set_residence_kind(v1::RESIDENCE_KIND_HABITUAL);
  return request;
}

using ::screening::testing::BadFields;

TEST(ValidateNewResident, DerivesBirthDateAndSex) {
  auto resident = ValidateNewResident(Valid(), kToday);
  ASSERT_TRUE(resident.ok()) << resident.status();
  EXPECT_EQ(resident->id_number(), "23010219700101001X");
  EXPECT_EQ(resident->birth_date(), "1970-01-01");
  EXPECT_EQ(resident->sex(), v1::SEX_MALE);
}

TEST(ValidateNewResident, NamesEveryBadField) {
  v1::RegisterResidentRequest request = Valid();
  request.mutable_resident()->set_id_number("230102197001010010");
  request.mutable_resident()->set_full_name("");
  request.mutable_resident()->set_phone("12345");
  request.mutable_resident()->set_district_code("110105");
  request.mutable_resident()->set_residence_kind(static_cast<v1::ResidenceKind>(7));
  request.set_request_id(std::string(65, 'r'));
  auto resident = ValidateNewResident(request, kToday);
  ASSERT_EQ(resident.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadFields(resident.status()),
            (std::vector<std::string>{"resident.id_number", "resident.full_name", "resident.phone",
                                      "resident.residence_kind", "resident.district_code",
                                      "request_id"}));
}

TEST(ValidateNewResident, MissingResident) {
  EXPECT_EQ(BadFields(ValidateNewResident({}, kToday).status()),
            std::vector<std::string>{"resident"});
}

TEST(ValidateNewResident, NameLengthCountsCharactersNotBytes) {
  v1::RegisterResidentRequest request = Valid();
  std::string name;
  for (int i = 0; i < 64; ++i) name += "张";
  request.mutable_resident()->set_full_name(name);
  EXPECT_TRUE(ValidateNewResident(request, kToday).ok());
  request.mutable_resident()->set_full_name(name + "张");
  EXPECT_EQ(BadFields(ValidateNewResident(request, kToday).status()),
            std::vector<std::string>{"resident.full_name"});
}

TEST(ValidateResidentUpdate, TakesOnlyTheMaskedFields) {
  v1::UpdateResidentRequest request;
  request.mutable_resident()->set_name("residents/3");
  request.mutable_resident()->set_phone("13700000000");
  request.mutable_resident()->set_digestive_cancer_history(true);
  request.mutable_update_mask()->add_paths("phone");
  auto changes = ValidateResidentUpdate(request);
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_EQ(changes->phone, "13700000000");
  EXPECT_FALSE(changes->digestive_cancer_history.has_value());
  EXPECT_FALSE(changes->residence_kind.has_value());
}

TEST(ValidateResidentUpdate, NamesBadFieldsAndPaths) {
  v1::UpdateResidentRequest request;
  EXPECT_EQ(BadFields(ValidateResidentUpdate(request).status()),
            (std::vector<std::string>{"resident.name", "update_mask"}));
  request.mutable_resident()->set_name("residents/3");
  request.mutable_resident()->set_phone("12345");
  for (const char* path : {"phone", "residence_kind", "full_name"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  EXPECT_EQ(BadFields(ValidateResidentUpdate(request).status()),
            (std::vector<std::string>{"resident.phone", "resident.residence_kind", "update_mask"}));
}

TEST(ValidateBatchCheckEligibility, NamesEachChecksBadFields) {
  internal::v1::BatchCheckEligibilityRequest request;
  EXPECT_EQ(BadFields(ValidateBatchCheckEligibility(request)),
            std::vector<std::string>{"requests"});
  auto* good = request.add_requests();
  good->set_resident("residents/1");
  good->set_screening_type(v1::SCREENING_TYPE_GASTRIC);
  good->set_date("2025-06-03");
  auto* bad = request.add_requests();
  bad->set_resident("people/2");
  bad->set_date("2025-02-30");
  EXPECT_EQ(BadFields(ValidateBatchCheckEligibility(request)),
            (std::vector<std::string>{"requests[1].resident", "requests[1].screening_type",
                                      "requests[1].date"}));
  *bad = *good;
  EXPECT_TRUE(ValidateBatchCheckEligibility(request).ok());
  for (int i = 2; i <= 1000; ++i) *request.add_requests() = *good;
  EXPECT_EQ(BadFields(ValidateBatchCheckEligibility(request)),
            std::vector<std::string>{"requests"});
}

}  // namespace
}  // namespace screening::registry
