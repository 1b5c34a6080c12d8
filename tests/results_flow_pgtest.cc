// Typed results through the API: a visit of three screenings recorded one by
// one, a failed stool sample and its recollection, the gastric score from the
// registry's age and sex, four highs sent in mg/dL, and an NIPT redraw on the
// same entitlement counted once.
#include <grpcpp/client_context.h>

#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;

class ResultsFlow : public SliceTest {
 protected:
  static grpc::Status Record(v1::RecordResultRequest request, v1::Result* out) {
    grpc::ClientContext context;
    return server_->results().RecordResult(&context, request, out);
  }
  static v1::RecordResultRequest For(const v1::Booking& booking, const std::string& request_id) {
    v1::RecordResultRequest r;
    r.set_hospital(booking.hospital());
    r.set_booking(booking.name());
    r.set_request_id(request_id);
    return r;
  }
  static int64_t Events(const std::string& type, const v1::Booking& booking) {
    return db_->QueryInt(absl::StrCat(
        "SELECT count(*) FROM results.outbox o JOIN results.results r ON r.id = o.result_id "
        "WHERE o.event_type = '",
        type, "' AND r.booking_id = ", *ParseNumericName("bookings", booking.name())));
  }
  static int64_t StoredResults() { return db_->QueryInt("SELECT count(*) FROM results.results"); }
};

TEST_F(ResultsFlow, AVisitsScreeningsAreRecordedOneByOne) {
  Hospital("RES-H1");
  v1::Slot colorectal = Capacity("RES-H1", "2025-03-12", v1::SCREENING_TYPE_COLORECTAL, 5);
  v1::Slot gastric = Capacity("RES-H1", "2025-03-12", v1::SCREENING_TYPE_GASTRIC, 5);
  v1::Slot four_highs = Capacity("RES-H1", "2025-03-12", v1::SCREENING_TYPE_FOUR_HIGHS, 5);
  // Born 1969-06-01: 55 on 2025-03-12; male (the fixture's ID numbers).
  v1::Booking booking;
  ASSERT_TRUE(Book(Register(absl::CivilDay(1969, 6, 1)).name(),
                   absl::StrCat(colorectal.name(), ",", gastric.name(), ",", four_highs.name()),
                   "res-visit", &booking)
                  .ok());
  CheckInOnTheDay(booking);

  // Colorectal: one FIT sample failed, the other negative: collect again.
  v1::RecordResultRequest cr = For(booking, "res-cr-1");
  auto* fit = cr.mutable_colorectal();
  fit->add_fit_samples()->set_outcome(v1::SAMPLE_OUTCOME_SAMPLE_FAILED);
  fit->add_fit_samples()->set_outcome(v1::SAMPLE_OUTCOME_NEGATIVE);
  fit->mutable_questionnaire();
  v1::Result failed;
  { grpc::Status s = Record(cr, &failed); ASSERT_TRUE(s.ok()) << s.error_message(); }
  EXPECT_TRUE(failed.colorectal_classification().sample_failed());
  EXPECT_FALSE(failed.counts_as_screened());
  EXPECT_EQ(Events("result.sample_failed", booking), 1);
  EXPECT_EQ(Events("result.recorded", booking), 0);

  // The recollected samples: the second reads 120 ng/mL, over the cut-off.
  cr.set_request_id("res-cr-2");
  fit->mutable_fit_samples(0)->set_outcome(v1::SAMPLE_OUTCOME_NEGATIVE);
  fit->mutable_fit_samples(1)->set_ng_hb_per_ml(120);
  v1::Result positive;
  ASSERT_TRUE(Record(cr, &positive).ok());
  EXPECT_TRUE(positive.counts_as_screened());
  EXPECT_TRUE(positive.colorectal_classification().stool_test_positive());
  EXPECT_TRUE(positive.colorectal_classification().refer_colonoscopy());
  // A counted result is final: another is refused (amendments are for changes).
  cr.set_request_id("res-cr-3");
  grpc::Status status = Record(cr, &positive);
  EXPECT_THAT(status, GrpcIs(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(ErrorReason(status), "RESULT_EXISTS");

  // Gastric: the score takes age 55 (5) and male (4) from the registry, Hp
  // positive (1), PGR 30/10 = 3.0 (3), G-17 6.0 (5): 18, high.
  v1::RecordResultRequest ga = For(booking, "res-ga-1");
  ga.mutable_gastric()->set_pepsinogen_1_ug_l(30);
  ga.mutable_gastric()->set_pepsinogen_2_ug_l(10);
  ga.mutable_gastric()->set_gastrin_17_pmol_l(6.0);
  ga.mutable_gastric()->set_h_pylori_igg_positive(true);
  v1::Result gastric_result;
  ASSERT_TRUE(Record(ga, &gastric_result).ok());
  EXPECT_EQ(gastric_result.gastric_classification().age(), 55);
  EXPECT_EQ(gastric_result.gastric_classification().sex(), v1::SEX_MALE);
  EXPECT_EQ(gastric_result.gastric_classification().score(), 18);
  EXPECT_EQ(gastric_result.gastric_classification().band(), v1::GASTRIC_RISK_BAND_HIGH);
  EXPECT_TRUE(gastric_result.gastric_classification().refer_gastroscopy());

  // Four highs in mg/dL: stored in SI, the units sent kept, classified in SI.
  v1::RecordResultRequest fh = For(booking, "res-fh-1");
  *fh.mutable_four_highs() = NormalFourHighs();
  fh.mutable_four_highs()->set_fasting_glucose_mmol_l(126);  // mg/dL = 7.0 mmol/L
  fh.mutable_four_highs()->set_uric_acid_umol_l(7.1);        // mg/dL = 422.3 µmol/L
  fh.mutable_four_highs()->mutable_units()->set_glucose(v1::CONCENTRATION_UNIT_MG_DL);
  fh.mutable_four_highs()->mutable_units()->set_uric_acid(v1::CONCENTRATION_UNIT_MG_DL);
  v1::Result fh_result;
  ASSERT_TRUE(Record(fh, &fh_result).ok());
  EXPECT_DOUBLE_EQ(fh_result.four_highs().fasting_glucose_mmol_l(), 7.0);
  EXPECT_NEAR(fh_result.four_highs().uric_acid_umol_l(), 422.3, 0.1);
  EXPECT_EQ(fh_result.four_highs_units_sent().glucose(), v1::CONCENTRATION_UNIT_MG_DL);
  EXPECT_TRUE(fh_result.four_highs_classification().high_glucose());
  EXPECT_TRUE(fh_result.four_highs_classification().high_uric_acid());
  EXPECT_EQ(Events("result.recorded", booking), 3);

  // Not a screening of this visit.
  v1::RecordResultRequest nipt = For(booking, "res-nipt");
  nipt.mutable_nipt()->set_failed(true);
  status = Record(nipt, &fh_result);
  EXPECT_EQ(ErrorReason(status), "SCREENING_NOT_BOOKED");
}

TEST_F(ResultsFlow, BadMeasurementsAreNamedAndNothingIsStored) {
  Hospital("RES-H2");
  v1::Slot gastric = Capacity("RES-H2", "2025-03-13", v1::SCREENING_TYPE_GASTRIC, 5);
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1969, 6, 2)).name(), gastric.name(), "res-bad", &booking).ok());
  CheckInOnTheDay(booking);
  const int64_t before = StoredResults();
  v1::Result out;
  v1::RecordResultRequest two = For(booking, "res-bad-1");
  *two.mutable_four_highs() = NormalFourHighs();
  two.mutable_gastric()->set_pepsinogen_2_ug_l(0);  // PGR undefined
  EXPECT_THAT(BadFields(Record(two, &out)), ElementsAre("four_highs", "gastric.pepsinogen_2_ug_l"));
  v1::RecordResultRequest mgdl = For(booking, "res-bad-2");
  *mgdl.mutable_four_highs() = NormalFourHighs();
  mgdl.mutable_four_highs()->set_fasting_glucose_mmol_l(900);  // 50 mmol/L: out of range
  mgdl.mutable_four_highs()->mutable_units()->set_glucose(v1::CONCENTRATION_UNIT_MG_DL);
  EXPECT_THAT(BadFields(Record(mgdl, &out)), ElementsAre("four_highs.fasting_glucose_mmol_l"));
  v1::RecordResultRequest nipt = For(booking, "res-bad-3");
  nipt.mutable_nipt()->set_trisomy_21(v1::NIPT_RISK_LOW);
  EXPECT_THAT(BadFields(Record(nipt, &out)), ElementsAre("nipt.trisomy_18", "nipt.trisomy_13"));
  EXPECT_EQ(StoredResults(), before);
}

TEST_F(ResultsFlow, AFailedNiptIsRedrawnOnTheSameEntitlementAndCountsOnce) {
  Hospital("RES-NIPT", "230103");
  v1::RegisterResidentRequest reg;
  reg.mutable_resident()->set_id_number(
      MakeIdNumber("230103", absl::CivilDay(1993, 3, 3), next_sequence_++, false));
  reg.mutable_resident()->set_full_name("孕妇");
  reg.mutable_resident()->set_district_code("230103");
  reg.mutable_resident()->set_residence_kind(v1::RESIDENCE_KIND_REGISTERED);
  v1::Resident woman;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry().RegisterResident(&context, reg, &woman).ok());
  }
  v1::RegisterPregnancyRequest preg;
  preg.mutable_pregnancy()->set_resident(woman.name());
  preg.mutable_pregnancy()->set_last_menstrual_period("2024-12-20");  // window 2025-03-14..
  preg.mutable_pregnancy()->set_consent_date("2025-03-01");
  preg.mutable_pregnancy()->set_consent_document("NIPT-CONSENT-9");
  v1::Pregnancy pregnancy;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->registry().RegisterPregnancy(&context, preg, &pregnancy).ok());
  }
  v1::Slot slot = Capacity("RES-NIPT", "2025-03-20", v1::SCREENING_TYPE_NIPT, 5);
  v1::Booking booking;
  ASSERT_TRUE(Book(woman.name(), slot.name(), "res-nipt-book", &booking).ok());
  CheckInOnTheDay(booking);

  v1::RecordResultRequest first = For(booking, "res-nipt-1");
  first.mutable_nipt()->set_failed(true);
  v1::Result failed;
  ASSERT_TRUE(Record(first, &failed).ok());
  EXPECT_TRUE(failed.nipt_classification().failed());
  EXPECT_FALSE(failed.counts_as_screened());

  // The redraw: the same booking, the same entitlement; no second booking.
  v1::RecordResultRequest redraw = For(booking, "res-nipt-2");
  redraw.mutable_nipt()->set_trisomy_21(v1::NIPT_RISK_LOW);
  redraw.mutable_nipt()->set_trisomy_18(v1::NIPT_RISK_LOW);
  redraw.mutable_nipt()->set_trisomy_13(v1::NIPT_RISK_HIGH);
  v1::Result result;
  ASSERT_TRUE(Record(redraw, &result).ok());
  EXPECT_TRUE(result.counts_as_screened());
  EXPECT_THAT(result.nipt_classification().high_risk_targets(), ElementsAre("T13"));
  EXPECT_TRUE(result.nipt_classification().refer_prenatal_diagnosis());
  EXPECT_EQ(Events("result.recorded", booking), 1) << "the pregnancy counts once";
  EXPECT_EQ(Events("result.sample_failed", booking), 1);
  // A retry of the redraw answers the same and stores nothing.
  v1::Result again;
  ASSERT_TRUE(Record(redraw, &again).ok());
  EXPECT_EQ(again.name(), result.name());
  EXPECT_EQ(Events("result.recorded", booking), 1);
}

}  // namespace
}  // namespace screening::testing
