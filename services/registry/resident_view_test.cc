#include "services/registry/resident_view.h"

#include <gtest/gtest.h>

namespace screening::registry {
namespace {

v1::Resident Full() {
  v1::Resident r;
  r.set_name("residents/1");
  r.set_id_number("23010219700101001X");
  r.set_full_name("张三");
  r.set_phone("13900001234");
  r.set_district_code("230102");
  r.set_birth_date("1970-01-01");
  r.set_id_division_code("230102");
  return r;
}

TEST(RedactResident, ClinicSeesEverything) {
  v1::Resident r = Full();
  RedactResident({Role::kClinic, "230102", ""}, r);
  EXPECT_EQ(r.id_number(), "23010219700101001X");
  EXPECT_EQ(r.full_name(), "张三");
  EXPECT_EQ(r.phone(), "13900001234");
}

TEST(RedactResident, ServiceSeesMaskedNumbers) {
  v1::Resident r = Full();
  RedactResident({Role::kService, "", "in-process"}, r);
  EXPECT_EQ(r.id_number(), "230102********001X");
  EXPECT_EQ(r.phone(), "139****1234");
}

TEST(RedactResident, CommissionGetsNoPersonalData) {
  v1::Resident r = Full();
  RedactResident({Role::kCommission, "", ""}, r);
  EXPECT_EQ(r.id_number(), "");
  EXPECT_EQ(r.id_division_code(), "");
  EXPECT_EQ(r.full_name(), "");
  EXPECT_EQ(r.phone(), "");
  EXPECT_EQ(r.district_code(), "230102");
  EXPECT_EQ(r.birth_date(), "1970-01-01");
}

}  // namespace
}  // namespace screening::registry
