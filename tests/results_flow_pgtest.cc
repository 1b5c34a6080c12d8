// Typed results through the API: a visit of three screenings recorded one by
// one, a failed stool sample and its recollection, the gastric score from the
// registry's age and sex, four highs sent in mg/dL, and an NIPT redraw on the
// same entitlement counted once.
#include <grpcpp/client_context.h>
#include <pqxx/pqxx>

#include <atomic>
#include <map>
#include <thread>
#include <tuple>

#include "common/clock.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using ::testing::ElementsAre;

// RecordResults messages: an item, and the client's last message.
v1::RecordResultsRequest Item(const v1::RecordResultRequest& result) {
  v1::RecordResultsRequest message;
  *message.mutable_result() = result;
  return message;
}
v1::RecordResultsRequest Total(int64_t results) {
  v1::RecordResultsRequest message;
  message.set_total_results(results);
  return message;
}

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
  static int64_t EventsOfType(const std::string& type) {
    return db_->QueryInt(
        absl::StrCat("SELECT count(*) FROM results.outbox WHERE event_type = '", type, "'"));
  }
  // Runs `body` with the fake clock moved to `day` 10:00, then moves it back.
  template <typename Body>
  static void On(absl::CivilDay day, Body body) {
    const absl::Time before = clock_->Now();
    clock_->Set(absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 10, 0, 0),
                                HarbinTimeZone()));
    body();
    clock_->Set(before);
  }
  static v1::Booking CheckedInVisit(const std::string& hospital, const std::string& date,
                                    std::vector<v1::ScreeningType> types, absl::CivilDay birth,
                                    const std::string& request_id) {
    std::string slots;
    for (v1::ScreeningType type : types) {
      absl::StrAppend(&slots, slots.empty() ? "" : ",", Capacity(hospital, date, type, 50).name());
    }
    v1::Booking booking;
    grpc::Status status = Book(Register(birth).name(), slots, request_id, &booking);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return CheckInOnTheDay(booking);
  }
  static v1::Hospital Endoscopy(const std::string& code, const std::string& district) {
    v1::UpsertHospitalRequest upsert;
    upsert.mutable_hospital()->set_code(code);
    upsert.mutable_hospital()->set_display_name("内镜中心");
    upsert.mutable_hospital()->set_district_code(district);
    upsert.mutable_hospital()->add_follow_up_procedures(v1::FOLLOW_UP_PROCEDURE_COLONOSCOPY);
    upsert.mutable_hospital()->add_follow_up_procedures(v1::FOLLOW_UP_PROCEDURE_GASTROSCOPY);
    v1::Hospital h;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->scheduling().UpsertHospital(&context, upsert, &h).ok());
    return h;
  }
  static grpc::Status ListReferrals(const std::string& hospital, bool overdue_only,
                                    v1::ListReferralsResponse* out) {
    v1::ListReferralsRequest request;
    request.set_hospital(hospital);
    request.set_overdue_only(overdue_only);
    grpc::ClientContext context;
    return server_->results().ListReferrals(&context, request, out);
  }
};

TEST_F(ResultsFlow, AnAmendmentFlipsTheClassificationAndKeepsEveryVersion) {
  Hospital("AMEND-H1");
  const v1::Booking booking =
      CheckedInVisit("AMEND-H1", "2025-03-14", {v1::SCREENING_TYPE_FOUR_HIGHS},
                     absl::CivilDay(1966, 2, 2), "amend-visit");
  v1::RecordResultRequest fh = For(booking, "amend-1");
  *fh.mutable_four_highs() = NormalFourHighs();
  v1::Result recorded;
  ASSERT_TRUE(Record(fh, &recorded).ok());
  EXPECT_FALSE(recorded.four_highs_classification().any_positive());
  EXPECT_TRUE(recorded.referral().empty());
  const int64_t counted_before = EventsOfType("result.recorded");

  v1::AmendResultRequest amend;
  amend.set_name(recorded.name());
  *amend.mutable_four_highs() = NormalFourHighs();
  amend.mutable_four_highs()->set_systolic_mmhg(152);  // typed 125 for 152
  amend.set_reason("transcription error: systolic 152, not 125");
  amend.set_request_id("amend-2");
  v1::Result amended;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().AmendResult(&context, amend, &amended).ok());
  }
  EXPECT_EQ(amended.name(), recorded.name());
  EXPECT_EQ(amended.version(), 2);
  EXPECT_TRUE(amended.four_highs_classification().hypertension());
  EXPECT_EQ(amended.four_highs_classification().hypertension_grade(), v1::HYPERTENSION_GRADE_1);
  ASSERT_FALSE(amended.referral().empty()) << "a positive result opens a referral";
  EXPECT_TRUE(amended.counts_as_screened());

  // And back: the referral is withdrawn, not deleted.
  *amend.mutable_four_highs() = NormalFourHighs();
  amend.set_reason("the first reading was right after all");
  amend.set_request_id("amend-3");
  v1::Result back;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().AmendResult(&context, amend, &back).ok());
  }
  EXPECT_EQ(back.version(), 3);
  EXPECT_FALSE(back.four_highs_classification().any_positive());
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT status FROM results.referrals WHERE id = ",
                                       *ParseNumericName("referrals", amended.referral()))),
            v1::REFERRAL_STATUS_WITHDRAWN);
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM results.result_versions WHERE "
                                       "result_id = ",
                                       *ParseNumericName("results", recorded.name()))),
            2);
  EXPECT_EQ(EventsOfType("result.recorded"), counted_before) << "amending never recounts";

  // Another screening's measurement, or no reason: refused.
  v1::AmendResultRequest wrong;
  wrong.set_name(recorded.name());
  wrong.mutable_gastric()->set_pepsinogen_1_ug_l(50);
  wrong.mutable_gastric()->set_pepsinogen_2_ug_l(10);
  wrong.set_request_id("amend-4");
  v1::Result out;
  grpc::ClientContext c1;
  EXPECT_THAT(BadFields(server_->results().AmendResult(&c1, wrong, &out)), ElementsAre("reason"));
  wrong.set_reason("wrong form");
  grpc::ClientContext c2;
  EXPECT_THAT(BadFields(server_->results().AmendResult(&c2, wrong, &out)),
              ElementsAre("four_highs"));
}

TEST_F(ResultsFlow, APositiveResultIsReferredAndFollowedToTheEnd) {
  Hospital("REF-H1", "230104");
  Endoscopy("REF-ENDO", "230104");
  const v1::Booking booking =
      CheckedInVisit("REF-H1", "2025-03-17", {v1::SCREENING_TYPE_COLORECTAL},
                     absl::CivilDay(1967, 7, 7), "ref-visit");
  v1::RecordResultRequest cr = For(booking, "ref-1");
  cr.mutable_colorectal()->set_stool_dna(v1::SAMPLE_OUTCOME_POSITIVE);
  cr.mutable_colorectal()->mutable_questionnaire();
  v1::Result result;
  ASSERT_TRUE(Record(cr, &result).ok());
  ASSERT_FALSE(result.referral().empty());

  v1::ListReferralsResponse listed;
  ASSERT_TRUE(ListReferrals("hospitals/REF-ENDO", false, &listed).ok());
  ASSERT_EQ(listed.referrals_size(), 1);
  const v1::Referral referral = listed.referrals(0);
  EXPECT_EQ(referral.name(), result.referral());
  EXPECT_EQ(referral.kind(), v1::REFERRAL_KIND_COLONOSCOPY);
  EXPECT_EQ(referral.hospital(), "hospitals/REF-ENDO") << "the district's endoscopy centre";
  EXPECT_EQ(referral.referring_hospital(), "hospitals/REF-H1");
  EXPECT_EQ(referral.status(), v1::REFERRAL_STATUS_OPEN);
  EXPECT_EQ(referral.open_date(), "2025-03-03");
  EXPECT_EQ(referral.due_date(), "2026-03-03");
  EXPECT_FALSE(referral.overdue());
  ASSERT_TRUE(ListReferrals("hospitals/REF-ENDO", true, &listed).ok());
  EXPECT_EQ(listed.referrals_size(), 0);

  // A year and a day later it is overdue: listed as such, one event however
  // often it is looked at.
  On(absl::CivilDay(2026, 3, 4), [&] {
    v1::ListReferralsResponse overdue;
    ASSERT_TRUE(ListReferrals("hospitals/REF-ENDO", true, &overdue).ok());
    ASSERT_EQ(overdue.referrals_size(), 1);
    EXPECT_TRUE(overdue.referrals(0).overdue());
    ASSERT_TRUE(ListReferrals("hospitals/REF-H1", true, &overdue).ok());
    EXPECT_EQ(overdue.referrals_size(), 1) << "the referring hospital sees it too";
    EXPECT_EQ(EventsOfType("referral.overdue"), 1);

    v1::RecordFollowUpRequest follow_up;
    follow_up.set_name(referral.name());
    follow_up.set_follow_up_date("2026-03-04");
    follow_up.set_finding(v1::FOLLOW_UP_FINDING_PRECANCEROUS_LESION);
    follow_up.set_note("tubular adenoma, 8 mm, removed");
    follow_up.set_request_id("follow-1");
    v1::Referral done;
    grpc::ClientContext c1;
    ASSERT_TRUE(server_->results().RecordFollowUp(&c1, follow_up, &done).ok());
    EXPECT_EQ(done.status(), v1::REFERRAL_STATUS_COMPLETED);
    EXPECT_EQ(done.finding(), v1::FOLLOW_UP_FINDING_PRECANCEROUS_LESION);
    EXPECT_FALSE(done.overdue());
    // A retry gets the first answer; another follow-up finds it closed.
    v1::Referral retried;
    grpc::ClientContext retry;
    ASSERT_TRUE(server_->results().RecordFollowUp(&retry, follow_up, &retried).ok());
    EXPECT_EQ(retried.SerializeAsString(), done.SerializeAsString());
    follow_up.set_request_id("follow-2");
    grpc::ClientContext c2;
    EXPECT_EQ(ErrorReason(server_->results().RecordFollowUp(&c2, follow_up, &done)),
              "REFERRAL_CLOSED");
    follow_up.set_follow_up_date("2026-03-05");  // tomorrow
    grpc::ClientContext c3;
    EXPECT_THAT(BadFields(server_->results().RecordFollowUp(&c3, follow_up, &done)),
                ElementsAre("follow_up_date"));
  });
  EXPECT_EQ(EventsOfType("referral.completed"), 1);
  EXPECT_EQ(EventsOfType("referral.overdue"), 1);
}

TEST_F(ResultsFlow, AccessionNumbersBatchesAndMissingResults) {
  Hospital("LAB-H1");
  const v1::Booking first = CheckedInVisit("LAB-H1", "2025-03-18", {v1::SCREENING_TYPE_FOUR_HIGHS},
                                           absl::CivilDay(1968, 8, 1), "lab-1");
  const v1::Booking second = CheckedInVisit("LAB-H1", "2025-03-18", {v1::SCREENING_TYPE_FOUR_HIGHS},
                                            absl::CivilDay(1968, 8, 2), "lab-2");
  const v1::Booking third = CheckedInVisit("LAB-H1", "2025-03-18", {v1::SCREENING_TYPE_FOUR_HIGHS},
                                           absl::CivilDay(1968, 8, 3), "lab-3");
  // A week and a day later, none has a result yet.
  On(absl::CivilDay(2025, 3, 26), [&] {
    v1::ListMissingResultsRequest request;
    request.set_hospital("hospitals/LAB-H1");
    v1::ListMissingResultsResponse missing;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().ListMissingResults(&context, request, &missing).ok());
    ASSERT_EQ(missing.missing_size(), 3);
    EXPECT_EQ(missing.missing(0).booking(), first.name());
    EXPECT_THAT(missing.missing(0).screenings(), ElementsAre(v1::SCREENING_TYPE_FOUR_HIGHS));
    EXPECT_TRUE(missing.next_page_token().empty());
    // Two at a time: the same three, in the same order, over two pages.
    request.set_page_size(2);
    std::vector<std::string> paged;
    do {
      v1::ListMissingResultsResponse page;
      grpc::ClientContext c;
      ASSERT_TRUE(server_->results().ListMissingResults(&c, request, &page).ok());
      EXPECT_LE(page.missing_size(), 2);
      for (const auto& m : page.missing()) paged.push_back(m.booking());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    EXPECT_THAT(paged, ElementsAre(missing.missing(0).booking(), missing.missing(1).booking(),
                                   missing.missing(2).booking()));
    request.set_page_token("2025-03-18/x");
    grpc::ClientContext bad;
    EXPECT_THAT(BadFields(server_->results().ListMissingResults(&bad, request, &missing)),
                ElementsAre("page_token"));
  });

  // The laboratory's batch: a good item, a bad one, a good one.
  v1::RecordResultRequest a = For(first, "lab-r1");
  *a.mutable_four_highs() = NormalFourHighs();
  a.set_accession_number("LIS-2025-0001");
  v1::RecordResultRequest bad = For(second, "lab-r2");
  *bad.mutable_four_highs() = NormalFourHighs();
  bad.mutable_four_highs()->set_systolic_mmhg(400);
  v1::RecordResultRequest c = For(third, "lab-r3");
  *c.mutable_four_highs() = NormalFourHighs();
  grpc::ClientContext context;
  auto stream = server_->results().RecordResults(&context);
  for (const auto* item : {&a, &bad, &c}) ASSERT_TRUE(stream->Write(Item(*item)));
  ASSERT_TRUE(stream->Write(Total(3)));
  stream->WritesDone();
  std::vector<v1::RecordResultOutcome> outcomes;
  v1::RecordResultOutcome outcome;
  while (stream->Read(&outcome)) outcomes.push_back(outcome);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].status().code(), 0);
  EXPECT_EQ(outcomes[1].status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(outcomes[1].request_id(), "lab-r2");
  EXPECT_EQ(outcomes[2].status().code(), 0);
  EXPECT_FALSE(outcomes[2].result().name().empty());

  // The same accession number under another request_id: the same result.
  a.set_request_id("lab-r1-resent");
  v1::Result again;
  ASSERT_TRUE(Record(a, &again).ok());
  EXPECT_EQ(again.name(), outcomes[0].result().name());
  // ...and for another booking: refused.
  v1::RecordResultRequest clash = For(second, "lab-r4");
  *clash.mutable_four_highs() = NormalFourHighs();
  clash.set_accession_number("LIS-2025-0001");
  EXPECT_THAT(BadFields(Record(clash, &again)), ElementsAre("accession_number"));

  On(absl::CivilDay(2025, 3, 26), [&] {
    v1::ListMissingResultsRequest request;
    request.set_hospital("hospitals/LAB-H1");
    v1::ListMissingResultsResponse missing;
    grpc::ClientContext c2;
    ASSERT_TRUE(server_->results().ListMissingResults(&c2, request, &missing).ok());
    ASSERT_EQ(missing.missing_size(), 1);
    EXPECT_EQ(missing.missing(0).booking(), second.name());
  });
}

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
  {
    grpc::Status s = Record(cr, &failed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_TRUE(failed.colorectal_classification().sample_failed());
  EXPECT_FALSE(failed.counts_as_screened());
  EXPECT_EQ(Events("result.sample_failed", booking), 1);
  EXPECT_EQ(Events("result.recorded", booking), 0);

  // The recollected samples: the second reads 120 ng/mL, over the cut-off.
  cr.set_request_id("res-cr-2");
  fit->mutable_fit_samples(0)->set_outcome(v1::SAMPLE_OUTCOME_NEGATIVE);
  fit->mutable_fit_samples(1)->set_ng_hb_per_ml(120);
  fit->set_fit_kit("FIT-100");  // a quantitative reading names its kit (cut-off 100)
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

TEST_F(ResultsFlow, AFailedStoolSampleWithAHighRiskQuestionnaireRefersOnce) {
  // docs/domain.md §4: the questionnaire alone refers to colonoscopy. A failed
  // FIT does not count as screened, yet the referral opens; the recollected
  // sample on the same booking then does not open a second one.
  Hospital("RES-H5");
  v1::Slot colorectal = Capacity("RES-H5", "2025-03-12", v1::SCREENING_TYPE_COLORECTAL, 5);
  v1::Booking booking;
  ASSERT_TRUE(
      Book(Register(absl::CivilDay(1968, 8, 8)).name(), colorectal.name(), "res5", &booking).ok());
  CheckInOnTheDay(booking);
  v1::RecordResultRequest cr = For(booking, "res5-cr-1");
  auto* fit = cr.mutable_colorectal();
  fit->add_fit_samples()->set_outcome(v1::SAMPLE_OUTCOME_SAMPLE_FAILED);
  fit->add_fit_samples()->set_outcome(v1::SAMPLE_OUTCOME_NEGATIVE);
  fit->mutable_questionnaire()->set_relative_with_colorectal_cancer(true);  // high risk
  v1::Result failed;
  ASSERT_TRUE(Record(cr, &failed).ok());
  EXPECT_FALSE(failed.counts_as_screened());
  EXPECT_TRUE(failed.colorectal_classification().sample_failed());
  EXPECT_TRUE(failed.colorectal_classification().refer_colonoscopy());
  EXPECT_FALSE(failed.referral().empty()) << "the questionnaire alone refers";
  EXPECT_EQ(Events("referral.opened", booking), 1);

  cr.set_request_id("res5-cr-2");
  fit->mutable_fit_samples(0)->set_outcome(v1::SAMPLE_OUTCOME_NEGATIVE);
  v1::Result recollected;
  ASSERT_TRUE(Record(cr, &recollected).ok());
  EXPECT_TRUE(recollected.counts_as_screened());
  EXPECT_TRUE(recollected.colorectal_classification().refer_colonoscopy());
  EXPECT_TRUE(recollected.referral().empty()) << "already referred";
  EXPECT_EQ(Events("referral.opened", booking), 1);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.referrals f JOIN results.results r"
                          " ON r.id = f.result_id WHERE r.booking_id = " +
                          std::to_string(*ParseNumericName("bookings", booking.name()))),
            1);
}

TEST_F(ResultsFlow, ResultsAndReferralsReadBack) {
  // GetResult, ListResults by booking, screening and day with pages, and
  // GetReferral: what was recorded comes back as stored.
  Hospital("READ-H1");
  const v1::Booking visit = CheckedInVisit(
      "READ-H1", "2025-03-19", {v1::SCREENING_TYPE_COLORECTAL, v1::SCREENING_TYPE_FOUR_HIGHS},
      absl::CivilDay(1967, 9, 9), "read-book");
  v1::RecordResultRequest fh = For(visit, "read-fh");
  *fh.mutable_four_highs() = NormalFourHighs();
  fh.mutable_four_highs()->set_systolic_mmhg(165);  // grade 2: referred to the family doctor
  v1::Result four_highs;
  ASSERT_TRUE(Record(fh, &four_highs).ok());
  v1::RecordResultRequest cr = For(visit, "read-cr");
  cr.mutable_colorectal()->set_stool_dna(v1::SAMPLE_OUTCOME_NEGATIVE);
  cr.mutable_colorectal()->mutable_questionnaire();
  v1::Result colorectal;
  ASSERT_TRUE(Record(cr, &colorectal).ok());

  v1::GetResultRequest get;
  get.set_name(four_highs.name());
  v1::Result got;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().GetResult(&context, get, &got).ok());
  }
  EXPECT_EQ(got.SerializeAsString(), four_highs.SerializeAsString());
  get.set_name("results/987654321");
  {
    grpc::ClientContext context;
    EXPECT_THAT(server_->results().GetResult(&context, get, &got),
                GrpcIs(grpc::StatusCode::NOT_FOUND));
  }

  auto list = [&](v1::ListResultsRequest request) {
    grpc::ClientContext context;
    v1::ListResultsResponse response;
    grpc::Status status = server_->results().ListResults(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  v1::ListResultsRequest by_booking;
  by_booking.set_booking(visit.name());
  v1::ListResultsResponse both = list(by_booking);
  ASSERT_EQ(both.results_size(), 2);
  EXPECT_EQ(both.results(0).name(), four_highs.name()) << "oldest first";
  by_booking.set_screening_type(v1::SCREENING_TYPE_COLORECTAL);
  EXPECT_EQ(list(by_booking).results(0).name(), colorectal.name());
  by_booking.clear_screening_type();
  by_booking.set_page_size(1);
  v1::ListResultsResponse first = list(by_booking);
  ASSERT_EQ(first.results_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  by_booking.set_page_token(first.next_page_token());
  v1::ListResultsResponse second = list(by_booking);
  ASSERT_EQ(second.results_size(), 1);
  EXPECT_EQ(second.results(0).name(), colorectal.name());
  EXPECT_TRUE(second.next_page_token().empty());
  const std::string today = FormatDate(Today(*clock_));
  v1::ListResultsRequest by_day;
  by_day.set_hospital("hospitals/READ-H1");
  by_day.set_start_date(today);
  by_day.set_end_date(today);
  EXPECT_EQ(list(by_day).results_size(), 2);
  by_day.set_start_date(FormatDate(Today(*clock_) + 1));
  by_day.set_end_date(FormatDate(Today(*clock_) + 1));
  EXPECT_EQ(list(by_day).results_size(), 0);
  v1::ListResultsRequest by_resident;
  by_resident.set_resident(four_highs.resident());
  EXPECT_EQ(list(by_resident).results_size(), 2);

  v1::ListResultsRequest bad;
  bad.set_hospital("READ-H1");
  bad.set_booking("booking/1");
  bad.set_resident("residents/x");
  bad.set_screening_type(static_cast<v1::ScreeningType>(9));
  bad.set_start_date("2025-02-30");
  bad.set_page_size(1001);
  bad.set_page_token("abc");
  {
    grpc::ClientContext context;
    v1::ListResultsResponse response;
    EXPECT_THAT(BadFields(server_->results().ListResults(&context, bad, &response)),
                ElementsAre("hospital", "booking", "resident", "screening_type", "start_date",
                            "page_size", "page_token"));
  }
  v1::ListResultsRequest backwards;
  backwards.set_start_date("2025-03-20");
  backwards.set_end_date("2025-03-19");
  {
    grpc::ClientContext context;
    v1::ListResultsResponse response;
    EXPECT_THAT(BadFields(server_->results().ListResults(&context, backwards, &response)),
                ElementsAre("end_date"));
  }

  ASSERT_FALSE(four_highs.referral().empty());
  v1::GetReferralRequest get_referral;
  get_referral.set_name(four_highs.referral());
  v1::Referral referral;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->results().GetReferral(&context, get_referral, &referral).ok());
  }
  EXPECT_EQ(referral.result(), four_highs.name());
  EXPECT_EQ(referral.kind(), v1::REFERRAL_KIND_FAMILY_DOCTOR);
  EXPECT_EQ(referral.status(), v1::REFERRAL_STATUS_OPEN);
  get_referral.set_name("referral/1");
  {
    grpc::ClientContext context;
    EXPECT_THAT(BadFields(server_->results().GetReferral(&context, get_referral, &referral)),
                ElementsAre("name"));
  }
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
  two.mutable_gastric()->set_pepsinogen_2_ug_l(0);  // PGR undefined; replaces four_highs (oneof)
  EXPECT_FALSE(two.has_four_highs());
  EXPECT_THAT(BadFields(Record(two, &out)), ElementsAre("gastric.pepsinogen_2_ug_l"));
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

TEST_F(ResultsFlow, APreviewClassifiesAsRecordingWouldAndStoresNothing) {
  Hospital("RES-PREVIEW");
  const v1::Booking booking = CheckedInVisit(
      "RES-PREVIEW", "2025-03-17", {v1::SCREENING_TYPE_FOUR_HIGHS, v1::SCREENING_TYPE_GASTRIC},
      absl::CivilDay(1966, 4, 4), "preview-visit");
  const int64_t stored = StoredResults();
  const int64_t events = EventsOfType("result.recorded");
  v1::RecordResultRequest fh = For(booking, "preview-1");
  *fh.mutable_four_highs() = NormalFourHighs();
  fh.mutable_four_highs()->set_systolic_mmhg(165);  // grade 2
  fh.set_validate_only(true);
  v1::Result preview;
  ASSERT_TRUE(Record(fh, &preview).ok());
  EXPECT_TRUE(preview.name().empty());
  EXPECT_EQ(preview.four_highs_classification().hypertension_grade(), v1::HYPERTENSION_GRADE_2);
  EXPECT_TRUE(preview.referral().empty());
  // The gastric score needs the resident's age and sex: the same as recorded.
  v1::RecordResultRequest gastric = For(booking, "preview-2");
  gastric.mutable_gastric()->set_pepsinogen_1_ug_l(60);
  gastric.mutable_gastric()->set_pepsinogen_2_ug_l(20);
  gastric.mutable_gastric()->set_gastrin_17_pmol_l(20);
  gastric.mutable_gastric()->set_h_pylori_igg_positive(true);
  gastric.set_validate_only(true);
  ASSERT_TRUE(Record(gastric, &preview).ok());
  EXPECT_EQ(preview.gastric_classification().age(), 58);
  EXPECT_NE(preview.gastric_classification().band(), v1::GASTRIC_RISK_BAND_UNSPECIFIED);
  // Bounds are named as for a recording; a screening not booked is refused.
  fh.mutable_four_highs()->set_systolic_mmhg(400);
  EXPECT_THAT(BadFields(Record(fh, &preview)), ElementsAre("four_highs.systolic_mmhg"));
  v1::RecordResultRequest nipt = For(booking, "preview-3");
  nipt.mutable_nipt()->set_failed(true);
  nipt.set_validate_only(true);
  EXPECT_EQ(ErrorReason(Record(nipt, &preview)), "SCREENING_NOT_BOOKED");
  EXPECT_EQ(StoredResults(), stored);
  EXPECT_EQ(EventsOfType("result.recorded"), events);

  // The same request recorded for real gives the classification previewed.
  gastric.set_validate_only(false);
  v1::Result recorded;
  ASSERT_TRUE(Record(gastric, &recorded).ok());
  EXPECT_EQ(recorded.gastric_classification().score(), preview.gastric_classification().score());
  // A laboratory's batch stores: a preview in it is refused by name.
  fh.mutable_four_highs()->set_systolic_mmhg(120);
  fh.set_request_id("preview-batch");
  grpc::ClientContext context;
  auto stream = server_->results().RecordResults(&context);
  ASSERT_TRUE(stream->Write(Item(fh)));
  ASSERT_TRUE(stream->Write(Total(1)));
  stream->WritesDone();
  v1::RecordResultOutcome outcome;
  ASSERT_TRUE(stream->Read(&outcome));
  EXPECT_EQ(outcome.status().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status().message(), ::testing::HasSubstr("validate_only"));
  while (stream->Read(&outcome)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ResultsFlow, AFailedNiptIsRedrawnOnTheSameEntitlementAndCountsOnce) {
  Hospital("RES-NIPT", "230103");
  const auto [woman, pregnancy] = RegisterPregnantWoman(absl::CivilDay(1993, 3, 3), "230103",
                                                        "2024-12-20");  // window 2025-03-14..
  ASSERT_FALSE(pregnancy.name().empty());
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
  // Reported 16 working days after the visit (2025-03-20): late.
  On(absl::CivilDay(2025, 4, 14), [&] { ASSERT_TRUE(Record(redraw, &result).ok()); });
  EXPECT_TRUE(result.late_report());
  EXPECT_FALSE(failed.late_report());
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

  // A second pregnancy the same year is a new entitlement and counts again:
  // the NIPT target counts pregnancies, not women.
  v1::RegisterPregnancyRequest second;
  second.mutable_pregnancy()->set_resident(woman.name());
  second.mutable_pregnancy()->set_last_menstrual_period("2025-07-01");  // window 2025-09-23..
  second.mutable_pregnancy()->set_consent_date("2025-09-01");
  second.mutable_pregnancy()->set_consent_document("NIPT-CONSENT-10");
  v1::Pregnancy later;
  // Registered, booked and tested in September.
  On(absl::CivilDay(2025, 9, 1), [&] {
    grpc::ClientContext context;
    grpc::Status status = server_->registry().RegisterPregnancy(&context, second, &later);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::Slot autumn = Capacity("RES-NIPT", "2025-09-24", v1::SCREENING_TYPE_NIPT, 5);
    v1::Booking second_booking;
    ASSERT_TRUE(Book(woman.name(), autumn.name(), "res-nipt-book-2", &second_booking).ok());
    EXPECT_EQ(second_booking.pregnancy(), later.name());
    CheckInOnTheDay(second_booking);
    v1::RecordResultRequest autumn_result = For(second_booking, "res-nipt-3");
    autumn_result.mutable_nipt()->set_trisomy_21(v1::NIPT_RISK_LOW);
    autumn_result.mutable_nipt()->set_trisomy_18(v1::NIPT_RISK_LOW);
    autumn_result.mutable_nipt()->set_trisomy_13(v1::NIPT_RISK_LOW);
    ASSERT_TRUE(Record(autumn_result, &result).ok());
  });
  v1::GetProgressRequest progress;
  progress.set_programme_year(2025);
  v1::Progress counts;
  for (int attempt = 0; attempt < 100; ++attempt) {
    grpc::ClientContext context;
    ASSERT_TRUE(server_->progress().GetProgress(&context, progress, &counts).ok());
    if (counts.nipt_screened() >= 2) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(counts.nipt_screened(), 2) << "two pregnancies, the failed draw not counted";
}

TEST_F(ResultsFlow, ProgressBreaksCountsDownByDistrictHospitalAndDay) {
  Hospital("PROG-A", "230183");
  Hospital("PROG-B", "230184");
  // Two Shangzhi residents at A (one positive), one Wuchang resident at B;
  // all recorded on 2025-05-06.
  std::vector<std::pair<v1::Booking, bool>> visits;
  for (const auto& [hospital, district, positive] :
       {std::tuple{"PROG-A", "230183", true}, std::tuple{"PROG-A", "230183", false},
        std::tuple{"PROG-B", "230184", false}}) {
    v1::Slot slot = Capacity(hospital, "2025-05-06", v1::SCREENING_TYPE_FOUR_HIGHS, 10);
    v1::Booking booking;
    ASSERT_TRUE(
        Book(
            Register(absl::CivilDay(1965, 5, 5) + static_cast<int>(visits.size()), district).name(),
            slot.name(), absl::StrCat("prog-", visits.size()), &booking)
            .ok());
    visits.push_back({CheckInOnTheDay(booking), positive});
  }
  On(absl::CivilDay(2025, 5, 6), [&] {
    for (size_t i = 0; i < visits.size(); ++i) {
      v1::RecordResultRequest r = For(visits[i].first, absl::StrCat("prog-r", i));
      *r.mutable_four_highs() = NormalFourHighs();
      if (visits[i].second) r.mutable_four_highs()->set_systolic_mmhg(170);
      v1::Result out;
      ASSERT_TRUE(Record(r, &out).ok());
    }
  });
  auto progress_by = [&](v1::ProgressDimension dimension) {
    v1::GetProgressRequest request;
    request.set_programme_year(2025);
    request.set_group_by(dimension);
    v1::Progress progress;
    grpc::ClientContext context;
    EXPECT_TRUE(server_->progress().GetProgress(&context, request, &progress).ok());
    std::map<std::string, v1::ProgressGroup> groups;
    for (const auto& g : progress.groups()) groups[g.key()] = g;
    return groups;
  };
  // The consumer has caught up when the day shows all three (each result and
  // its referral commit together).
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (progress_by(v1::PROGRESS_DIMENSION_DAY)["2025-05-06"].persons_screened() == 3) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  auto by_resident = progress_by(v1::PROGRESS_DIMENSION_RESIDENT_DISTRICT);
  EXPECT_EQ(by_resident["230183"].persons_screened(), 2);
  EXPECT_EQ(by_resident["230183"].positives(), 1);
  EXPECT_EQ(by_resident["230183"].referrals_opened(), 1) << "the family doctor referral";
  EXPECT_EQ(by_resident["230184"].persons_screened(), 1);
  auto by_hospital = progress_by(v1::PROGRESS_DIMENSION_HOSPITAL);
  EXPECT_EQ(by_hospital["hospitals/PROG-A"].persons_screened(), 2);
  EXPECT_EQ(by_hospital["hospitals/PROG-B"].persons_screened(), 1);
  auto by_hospital_district = progress_by(v1::PROGRESS_DIMENSION_HOSPITAL_DISTRICT);
  EXPECT_EQ(by_hospital_district["230184"].by_type(2).persons_screened(), 1) << "four highs";
  auto by_day = progress_by(v1::PROGRESS_DIMENSION_DAY);
  EXPECT_EQ(by_day["2025-05-06"].persons_screened(), 3);

  // The next day the projection runs at the last 14 days' pace: 3 persons
  // over 10 working days (23 April to 6 May), far short of 800,000.
  On(absl::CivilDay(2025, 5, 7), [&] {
    v1::GetProgressRequest request;
    request.set_programme_year(2025);
    v1::Progress progress;
    grpc::ClientContext context;
    ASSERT_TRUE(server_->progress().GetProgress(&context, request, &progress).ok());
    EXPECT_DOUBLE_EQ(progress.persons_projection().daily_rate(), 0.3);
    EXPECT_EQ(progress.persons_projection().status(), v1::PROJECTION_STATUS_AT_RISK);
    EXPECT_EQ(progress.persons_projection().working_days_left(), 171);
    EXPECT_GT(progress.persons_projection().needed_daily_rate(), 4000);
  });
}

TEST_F(ResultsFlow, ResultsSentAtOnceShareCommitsAndEachGetsItsOwnAnswer) {
  // Results recorded at once are stored together (one transaction for many
  // calls). Each visit is sent three times at once from different clients:
  // twice with one request_id (a retry) and once with another (a second
  // result for the same screening). Every third visit is positive.
  Hospital("GRP-H1");
  constexpr int kVisits = 48;
  std::vector<v1::Booking> visits;
  for (int i = 0; i < kVisits; ++i) {
    visits.push_back(CheckedInVisit("GRP-H1", "2025-03-19", {v1::SCREENING_TYPE_FOUR_HIGHS},
                                    absl::CivilDay(1966, 1, 1) + i, absl::StrCat("grp-book-", i)));
  }
  struct Call {
    int visit;
    std::string request_id;
    grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
    std::string result;
  };
  std::vector<Call> calls;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kVisits; ++i) {
      calls.push_back({i, absl::StrCat(round == 2 ? "grp-other-" : "grp-r-", i)});
    }
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&] {
      auto stub = v1::ResultsService::NewStub(server_->NewChannel());
      for (size_t k = next++; k < calls.size(); k = next++) {
        Call& call = calls[k];
        v1::RecordResultRequest request = For(visits[call.visit], call.request_id);
        *request.mutable_four_highs() = NormalFourHighs();
        if (call.visit % 3 == 0) request.mutable_four_highs()->set_systolic_mmhg(150);
        v1::Result result;
        grpc::ClientContext context;
        call.code = stub->RecordResult(&context, request, &result).error_code();
        call.result = result.name();
      }
    });
  }
  for (auto& t : clients) t.join();

  for (int i = 0; i < kVisits; ++i) {
    const Call& first = calls[i];
    const Call& retry = calls[kVisits + i];
    const Call& other = calls[2 * kVisits + i];
    // The retry gets exactly what its first try got.
    EXPECT_EQ(first.code, retry.code) << "visit " << i;
    EXPECT_EQ(first.result, retry.result) << "visit " << i;
    // One of the two requests stored the result; the other was told it exists.
    EXPECT_NE(first.code == grpc::StatusCode::OK, other.code == grpc::StatusCode::OK)
        << "visit " << i;
    for (const Call* call : {&first, &other}) {
      EXPECT_TRUE(call->code == grpc::StatusCode::OK ||
                  call->code == grpc::StatusCode::ALREADY_EXISTS)
          << "visit " << i << ": " << call->code;
    }
  }
  const std::string these = "(SELECT id FROM results.results WHERE hospital_code = 'GRP-H1')";
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM ", these, " r")), kVisits);
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM results.outbox WHERE event_type ="
                                       " 'result.recorded' AND result_id IN ",
                                       these)),
            kVisits);
  EXPECT_EQ(db_->QueryInt(absl::StrCat("SELECT count(*) FROM results.outbox WHERE event_type ="
                                       " 'referral.opened' AND result_id IN ",
                                       these)),
            kVisits / 3);
  EXPECT_EQ(db_->QueryInt(
                absl::StrCat("SELECT count(*) FROM results.referrals WHERE result_id IN ", these)),
            kVisits / 3);
  // Stored together: fewer transactions than results.
  EXPECT_LT(db_->QueryInt("SELECT count(DISTINCT xmin::text) FROM results.results"
                          " WHERE hospital_code = 'GRP-H1'"),
            kVisits);
}

TEST_F(ResultsFlow, ALaboratorysStreamIsStoredInChunksAndAnsweredInOrder) {
  // A laboratory sends its whole batch at once: the items that have arrived
  // are stored together, and each is still answered in order with its own
  // status: a bad item, a repeated request_id and a second result for a
  // screening among good ones.
  Hospital("LAB-H2");
  constexpr int kVisits = 40;
  std::vector<v1::RecordResultRequest> items;
  for (int i = 0; i < kVisits; ++i) {
    const v1::Booking visit =
        CheckedInVisit("LAB-H2", "2025-03-20", {v1::SCREENING_TYPE_FOUR_HIGHS},
                       absl::CivilDay(1967, 2, 1) + i, absl::StrCat("lab2-book-", i));
    v1::RecordResultRequest item = For(visit, absl::StrCat("lab2-r", i));
    *item.mutable_four_highs() = NormalFourHighs();
    item.set_accession_number(absl::StrCat("LIS2-", i));
    items.push_back(item);
  }
  v1::RecordResultRequest bad = items[5];
  bad.set_request_id("lab2-bad");
  bad.mutable_four_highs()->set_systolic_mmhg(400);
  items.insert(items.begin() + 10, bad);
  items.push_back(items[3]);  // the same request again: the same answer
  v1::RecordResultRequest second = items[7];
  second.set_request_id("lab2-second");
  second.clear_accession_number();
  items.push_back(second);  // another result for a recorded screening

  grpc::ClientContext context;
  auto stream = server_->results().RecordResults(&context);
  for (const auto& item : items) ASSERT_TRUE(stream->Write(Item(item)));
  ASSERT_TRUE(stream->Write(Total(items.size())));
  stream->WritesDone();
  std::vector<v1::RecordResultOutcome> outcomes;
  v1::RecordResultOutcome outcome;
  while (stream->Read(&outcome)) outcomes.push_back(outcome);
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(outcomes.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(outcomes[i].request_id(), items[i].request_id()) << i;
  }
  EXPECT_EQ(outcomes[10].status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  const size_t repeat = items.size() - 2, other = items.size() - 1;
  EXPECT_EQ(outcomes[repeat].status().code(), 0);
  EXPECT_EQ(outcomes[repeat].result().name(), outcomes[3].result().name());
  EXPECT_EQ(outcomes[other].status().code(), static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  int ok = 0;
  for (const auto& o : outcomes) ok += o.status().code() == 0;
  EXPECT_EQ(ok, kVisits + 1);  // every visit, and the repeat
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.results WHERE hospital_code = 'LAB-H2'"),
            kVisits);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.outbox WHERE hospital_code = 'LAB-H2'"
                          " AND event_type = 'result.recorded'"),
            kVisits);
  // Stored in chunks: fewer transactions than results.
  EXPECT_LT(db_->QueryInt("SELECT count(DISTINCT xmin::text) FROM results.results"
                          " WHERE hospital_code = 'LAB-H2'"),
            kVisits / 2);
}

TEST_F(ResultsFlow, ALaboratoryThatHangsUpMidStreamLeavesTheServiceServing) {
  // The client goes away with items unanswered: the stream's reader thread
  // and handler end (a hang would stall the server's shutdown at the end of
  // the suite), what was stored stays stored once, and the next call works.
  Hospital("LAB-H3");
  std::vector<v1::Booking> visits;
  for (int i = 0; i < 6; ++i) {
    visits.push_back(CheckedInVisit("LAB-H3", "2025-03-21", {v1::SCREENING_TYPE_FOUR_HIGHS},
                                    absl::CivilDay(1968, 5, 1) + i, absl::StrCat("lab3-book-", i)));
  }
  {
    grpc::ClientContext context;
    auto stream = server_->results().RecordResults(&context);
    for (int i = 0; i < 5; ++i) {
      v1::RecordResultRequest item = For(visits[i], absl::StrCat("lab3-r", i));
      *item.mutable_four_highs() = NormalFourHighs();
      ASSERT_TRUE(stream->Write(Item(item)));
    }
    context.TryCancel();
    EXPECT_THAT(stream->Finish(), GrpcIs(grpc::StatusCode::CANCELLED));
  }
  v1::RecordResultRequest next = For(visits[5], "lab3-r5");
  *next.mutable_four_highs() = NormalFourHighs();
  v1::Result result;
  ASSERT_TRUE(Record(next, &result).ok());
  // A resend of every item stores the ones the server had not stored before
  // the hang-up and answers the others with their first answer: one each.
  for (int i = 0; i < 5; ++i) {
    v1::RecordResultRequest item = For(visits[i], absl::StrCat("lab3-r", i));
    *item.mutable_four_highs() = NormalFourHighs();
    ASSERT_TRUE(Record(item, &result).ok()) << i;
  }
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.results WHERE hospital_code = 'LAB-H3'"),
            6);
}

TEST_F(ResultsFlow, AStreamThatDidNotArriveWholeEndsWithAnErrorAfterItsAnswers) {
  // A message that cannot be parsed (invalid UTF-8 in a string field) ends
  // the stream at it as if the client had finished: the items before it are
  // answered, then the stream fails naming `total_results`, so the client
  // knows the rest did not arrive. The same for a client that forgets the
  // last message, declares another count, or sends something after it.
  Hospital("LAB-H4");
  std::vector<v1::RecordResultRequest> items;
  for (int i = 0; i < 4; ++i) {
    const v1::Booking visit =
        CheckedInVisit("LAB-H4", "2025-03-22", {v1::SCREENING_TYPE_FOUR_HIGHS},
                       absl::CivilDay(1969, 3, 1) + i, absl::StrCat("lab4-book-", i));
    items.push_back(For(visit, absl::StrCat("lab4-r", i)));
    *items.back().mutable_four_highs() = NormalFourHighs();
  }
  struct Run {
    std::vector<v1::RecordResultOutcome> outcomes;
    grpc::Status status;
  };
  auto run = [&](const std::vector<v1::RecordResultsRequest>& messages) {
    grpc::ClientContext context;
    auto stream = server_->results().RecordResults(&context);
    for (const auto& m : messages) {
      if (!stream->Write(m)) break;
    }
    stream->WritesDone();
    Run r;
    v1::RecordResultOutcome outcome;
    while (stream->Read(&outcome)) r.outcomes.push_back(outcome);
    r.status = stream->Finish();
    return r;
  };
  v1::RecordResultRequest unparsable = items[1];
  unparsable.set_hospital("hospitals/LAB-H4\xff\xfe");  // not UTF-8: the server cannot parse it
  Run broken = run({Item(items[0]), Item(unparsable), Item(items[2]), Total(3)});
  EXPECT_THAT(broken.status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(BadFields(broken.status), std::vector<std::string>{"total_results"});
  EXPECT_EQ(ErrorReason(broken.status), "STREAM_INCOMPLETE");
  EXPECT_THAT(broken.status.error_message(), ::testing::HasSubstr("after 1 results"));
  ASSERT_EQ(broken.outcomes.size(), 1u) << "the item before the bad message is answered";
  EXPECT_EQ(broken.outcomes[0].request_id(), "lab4-r0");
  EXPECT_EQ(broken.outcomes[0].status().code(), 0);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.results WHERE hospital_code = 'LAB-H4'"),
            1);

  Run no_end = run({Item(items[1])});
  EXPECT_EQ(ErrorReason(no_end.status), "STREAM_INCOMPLETE");
  ASSERT_EQ(no_end.outcomes.size(), 1u);
  EXPECT_EQ(no_end.outcomes[0].status().code(), 0);

  Run miscounted = run({Item(items[2]), Total(2)});
  EXPECT_EQ(ErrorReason(miscounted.status), "STREAM_INCOMPLETE");
  EXPECT_THAT(miscounted.status.error_message(), ::testing::HasSubstr("says 2 results but 1"));
  EXPECT_EQ(miscounted.outcomes.size(), 1u);

  Run after_end = run({Total(0), Item(items[3])});
  EXPECT_EQ(BadFields(after_end.status), std::vector<std::string>{"total_results"});
  EXPECT_TRUE(after_end.outcomes.empty());
  Run empty = run({v1::RecordResultsRequest()});
  EXPECT_EQ(BadFields(empty.status), std::vector<std::string>{"result"});

  // Whole: the last result, every earlier one answered as first stored.
  Run whole = run({Item(items[0]), Item(items[3]), Total(2)});
  EXPECT_TRUE(whole.status.ok()) << whole.status.error_message();
  ASSERT_EQ(whole.outcomes.size(), 2u);
  EXPECT_EQ(whole.outcomes[0].result().name(), broken.outcomes[0].result().name());
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM results.results WHERE hospital_code = 'LAB-H4'"),
            4);
}

TEST_F(ResultsFlow, ZRecountAgreesWithTheCountersAndNamesAnyDifference) {
  // Runs last in the suite (gtest keeps declaration order): everything the
  // other tests recorded, amended, failed and followed up is recounted.
  auto recount = [&] {
    v1::RecountRequest request;
    request.set_programme_year(2025);
    v1::RecountResponse response;
    grpc::ClientContext context;
    grpc::Status status = server_->progress().Recount(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  v1::RecountResponse first = recount();
  EXPECT_TRUE(first.consistent()) << first.DebugString();
  EXPECT_EQ(first.differences_size(), 0);
  // Persons, four types, failed samples, positives, referrals opened,
  // completed, withdrawn and overdue, bookings, cancellations, no-shows.
  EXPECT_EQ(first.counters_compared(), 14);
  // A counter off by two (as a lost or doubled event would leave it) is
  // named with both figures.
  pqxx::connection conn(db_->url());
  pqxx::work tx(conn);
  tx.exec(
      "UPDATE progress.counters SET value = value + 2 WHERE programme_year = 2025 AND "
      "metric = 'type:3'");
  tx.commit();
  v1::RecountResponse second = recount();
  EXPECT_FALSE(second.consistent());
  ASSERT_EQ(second.differences_size(), 1);
  EXPECT_EQ(second.differences(0).metric(), "type:3");
  EXPECT_EQ(second.differences(0).counter(), second.differences(0).recount() + 2);
  // A lost booking event is caught by the scheduling recount.
  pqxx::work undo(conn);
  undo.exec(
      "UPDATE progress.counters SET value = value - 2 WHERE programme_year = 2025 AND "
      "metric = 'type:3'");
  undo.exec(
      "UPDATE progress.counters SET value = value - 1 WHERE programme_year = 2025 AND "
      "metric = 'bookings'");
  undo.commit();
  v1::RecountResponse third = recount();
  ASSERT_EQ(third.differences_size(), 1);
  EXPECT_EQ(third.differences(0).metric(), "bookings");
  EXPECT_EQ(third.differences(0).counter() + 1, third.differences(0).recount());
}

}  // namespace
}  // namespace screening::testing
