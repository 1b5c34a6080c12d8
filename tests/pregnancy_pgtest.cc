// Pregnancies for NIPT through the API: the window as dates, its boundaries
// on days 83/84/160/161, consent, contraindications and cautions, a male
// resident, overlapping and second pregnancies, and every bad field.
#include <grpcpp/client_context.h>

#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;

class Pregnancies : public SliceTest {
 protected:
  static v1::Resident Woman(absl::CivilDay birth) {
    v1::RegisterResidentRequest reg;
    reg.mutable_resident()->set_id_number(MakeIdNumber("230103", birth, next_sequence_++, false));
    reg.mutable_resident()->set_full_name("孕妇");
    reg.mutable_resident()->set_district_code("230103");
    reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_HABITUAL);
    v1::Resident resident;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->registry().RegisterResident(&context, reg, &resident).ok());
    return resident;
  }

  static grpc::Status RegisterPregnancy(const v1::Pregnancy& pregnancy, v1::Pregnancy* out) {
    v1::RegisterPregnancyRequest request;
    *request.mutable_pregnancy() = pregnancy;
    grpc::ClientContext context;
    return server_->registry().RegisterPregnancy(&context, request, out);
  }

  static v1::CheckEligibilityResponse NiptOn(const v1::Resident& resident, absl::CivilDay day) {
    v1::CheckEligibilityRequest check;
    check.set_resident(resident.name());
    check.set_screening_type(v1::SCREENING_TYPE_NIPT);
    check.set_date(FormatDate(day));
    v1::CheckEligibilityResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->registry().CheckEligibility(&context, check, &response).ok());
    return response;
  }

  static std::string FirstReason(const v1::CheckEligibilityResponse& r) {
    return r.reasons().empty() ? "" : r.reasons(0).code();
  }
};

TEST_F(Pregnancies, WindowDatesAndTheirBoundaries) {
  v1::Resident woman = Woman(absl::CivilDay(1995, 5, 5));
  v1::Pregnancy pregnancy;
  pregnancy.set_resident(woman.name());
  pregnancy.set_last_menstrual_period("2025-01-01");
  pregnancy.set_consent_date("2025-03-01");
  pregnancy.set_consent_document("NIPT-CONSENT-0001");
  v1::Pregnancy stored;
  ASSERT_TRUE(RegisterPregnancy(pregnancy, &stored).ok());
  EXPECT_EQ(stored.nipt_window_start(), "2025-03-26");
  EXPECT_EQ(stored.nipt_window_end(), "2025-06-10");
  EXPECT_EQ(stored.estimated_due_date(), "2025-10-08");
  EXPECT_TRUE(stored.nipt_applicable());
  EXPECT_EQ(stored.fetuses(), 1);
  EXPECT_TRUE(stored.cautions().empty());

  const absl::CivilDay lmp(2025, 1, 1);
  EXPECT_EQ(FirstReason(NiptOn(woman, lmp + 83)), "NIPT_TOO_EARLY");
  EXPECT_TRUE(NiptOn(woman, lmp + 84).eligible());
  EXPECT_TRUE(NiptOn(woman, lmp + 160).eligible());
  v1::CheckEligibilityResponse late = NiptOn(woman, lmp + 161);
  EXPECT_FALSE(late.eligible());
  EXPECT_EQ(FirstReason(late), "NIPT_TOO_LATE");

  v1::GetPregnancyRequest get;
  get.set_name(stored.name());
  v1::Pregnancy fetched;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->registry().GetPregnancy(&context, get, &fetched).ok());
  EXPECT_EQ(fetched.nipt_window_start(), "2025-03-26");
}

TEST_F(Pregnancies, UltrasoundDatingConsentContraindicationsAndCautions) {
  // 35 at the due date, twins by IVF, dated by ultrasound; no consent yet.
  v1::Resident woman = Woman(absl::CivilDay(1990, 6, 1));
  v1::Pregnancy pregnancy;
  pregnancy.set_resident(woman.name());
  pregnancy.set_ultrasound_due_date("2025-09-01");  // day zero 2024-11-25
  pregnancy.set_fetuses(2);
  pregnancy.add_cautions(v1::NIPT_CAUTION_IVF);
  v1::Pregnancy stored;
  ASSERT_TRUE(RegisterPregnancy(pregnancy, &stored).ok());
  EXPECT_EQ(stored.nipt_window_start(), "2025-02-17");
  EXPECT_TRUE(stored.nipt_applicable()) << "cautions are flagged, not refused";
  EXPECT_THAT(stored.cautions(),
              ElementsAre(v1::NIPT_CAUTION_MULTIPLE_PREGNANCY,
                          v1::NIPT_CAUTION_MATERNAL_AGE_35_OR_MORE, v1::NIPT_CAUTION_IVF));
  EXPECT_EQ(FirstReason(NiptOn(woman, absl::CivilDay(2025, 3, 10))), "NIPT_CONSENT_MISSING");

  v1::Resident other = Woman(absl::CivilDay(1996, 2, 2));
  v1::Pregnancy anomaly;
  anomaly.set_resident(other.name());
  anomaly.set_last_menstrual_period("2025-01-10");
  anomaly.set_consent_date("2025-03-01");
  anomaly.add_contraindications(v1::NIPT_CONTRAINDICATION_FETAL_STRUCTURAL_ANOMALY);
  ASSERT_TRUE(RegisterPregnancy(anomaly, &stored).ok());
  EXPECT_FALSE(stored.nipt_applicable());
  EXPECT_EQ(stored.reasons(0).code(), "NIPT_NOT_APPLICABLE_FETAL_STRUCTURAL_ANOMALY");
  EXPECT_EQ(FirstReason(NiptOn(other, absl::CivilDay(2025, 4, 10))),
            "NIPT_NOT_APPLICABLE_FETAL_STRUCTURAL_ANOMALY");
}

TEST_F(Pregnancies, OneEntitlementPerPregnancyAndNoneForMen) {
  v1::Resident woman = Woman(absl::CivilDay(1993, 3, 3));
  v1::Pregnancy first;
  first.set_resident(woman.name());
  first.set_last_menstrual_period("2024-05-10");
  v1::Pregnancy stored;
  ASSERT_TRUE(RegisterPregnancy(first, &stored).ok());
  // Registering the same pregnancy again (an overlapping window) is refused.
  v1::Pregnancy again = first;
  again.set_last_menstrual_period("2024-06-20");
  grpc::Status duplicate = RegisterPregnancy(again, &stored);
  EXPECT_THAT(duplicate, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(ErrorReason(duplicate), "PREGNANCY_EXISTS");
  // A later pregnancy is a new entitlement.
  v1::Pregnancy second = first;
  second.set_last_menstrual_period("2025-01-20");
  ASSERT_TRUE(RegisterPregnancy(second, &stored).ok());
  EXPECT_EQ(stored.nipt_window_start(), "2025-04-14");
  EXPECT_EQ(
      db_->QueryInt(absl::StrCat("SELECT count(*) FROM registry.pregnancies WHERE resident_id = ",
                                 *ParseNumericName("residents", woman.name()))),
      2);

  v1::Resident man = Register(absl::CivilDay(1990, 1, 1));
  v1::Pregnancy impossible;
  impossible.set_resident(man.name());
  impossible.set_last_menstrual_period("2025-01-01");
  grpc::Status refused = RegisterPregnancy(impossible, &stored);
  EXPECT_THAT(refused, GrpcIs(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_EQ(ErrorReason(refused), "NOT_FEMALE");
  v1::CheckEligibilityResponse nipt = NiptOn(man, absl::CivilDay(2025, 4, 1));
  EXPECT_EQ(FirstReason(nipt), "NIPT_NOT_FEMALE");
}

TEST_F(Pregnancies, BadFieldsAreNamedAndNothingIsStored) {
  const int64_t before = db_->QueryInt("SELECT count(*) FROM registry.pregnancies");
  v1::Pregnancy stored;
  v1::RegisterPregnancyRequest empty;
  grpc::ClientContext context;
  EXPECT_THAT(BadFields(server_->registry().RegisterPregnancy(&context, empty, &stored)),
              ElementsAre("pregnancy"));
  v1::Pregnancy bad;
  bad.set_resident("women/1");
  bad.set_last_menstrual_period("2025-01-01");
  bad.set_ultrasound_due_date("2025-10-08");
  bad.set_fetuses(9);
  bad.add_contraindications(v1::NIPT_CONTRAINDICATION_UNSPECIFIED);
  bad.add_cautions(static_cast<v1::NiptCaution>(99));
  bad.set_consent_date("2025-03-04");  // tomorrow
  bad.set_consent_document(std::string(65, 'd'));
  EXPECT_THAT(BadFields(RegisterPregnancy(bad, &stored)),
              ElementsAre("pregnancy.resident", "pregnancy.last_menstrual_period",
                          "pregnancy.fetuses", "pregnancy.contraindications", "pregnancy.cautions",
                          "pregnancy.consent_date", "pregnancy.consent_document"));
  v1::Pregnancy future;
  future.set_resident("residents/1");
  future.set_last_menstrual_period("2025-03-04");
  EXPECT_THAT(BadFields(RegisterPregnancy(future, &stored)),
              ElementsAre("pregnancy.last_menstrual_period"));
  future.clear_last_menstrual_period();
  future.set_ultrasound_due_date("2025-02-30");
  EXPECT_THAT(BadFields(RegisterPregnancy(future, &stored)),
              ElementsAre("pregnancy.ultrasound_due_date"));
  future.set_ultrasound_due_date("2024-01-01");  // day zero far in the past
  EXPECT_THAT(BadFields(RegisterPregnancy(future, &stored)),
              ElementsAre("pregnancy.ultrasound_due_date"));
  future.set_resident("residents/987654");
  future.set_ultrasound_due_date("2025-09-01");
  EXPECT_THAT(RegisterPregnancy(future, &stored), GrpcIs(grpc::StatusCode::NOT_FOUND));
  v1::GetPregnancyRequest get;
  get.set_name("pregnancy/1");
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->registry().GetPregnancy(&c2, get, &stored)), ElementsAre("name"));
  get.set_name("pregnancies/987654");
  grpc::ClientContext c3;
  EXPECT_THAT(server_->registry().GetPregnancy(&c3, get, &stored),
              GrpcIs(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM registry.pregnancies"), before);
}

}  // namespace
}  // namespace screening::testing
