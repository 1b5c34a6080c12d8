#include "services/results/results_service.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/batch_span.h"
#include "common/call_deadline.h"
#include "common/clock.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "screening/internal/v1/scheduling.grpc.pb.h"
#include "screening/v1/registry.grpc.pb.h"
#include "screening/v1/scheduling.grpc.pb.h"
#include "services/results/follow_up.h"

namespace screening::results {
namespace {

constexpr absl::Duration kSchedulingTimeout = absl::Seconds(5);
constexpr int kMaxEventPage = 1000;

}  // namespace

absl::Status ValidateRecordResult(const v1::RecordResultRequest& request) {
  FieldViolations bad;
  if (!ParseStringName("hospitals", request.hospital())) {
    bad.Add("hospital", "must be hospitals/{code}");
  }
  if (!ParseNumericName("bookings", request.booking())) {
    bad.Add("booking", "must be bookings/{id}");
  }
  if (!IsValidRequestId(request.request_id())) {
    bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
  }
  if (!request.accession_number().empty() && !IsValidRequestId(request.accession_number())) {
    bad.Add("accession_number", "1 to 64 printable ASCII characters, when given");
  }
  const int measurements = request.has_four_highs() + request.has_colorectal() +
                           request.has_gastric() + request.has_nipt();
  if (measurements == 0) {
    bad.Add("four_highs", "one of four_highs, colorectal, gastric and nipt is required");
  } else if (measurements > 1) {
    bad.Add("four_highs", "only one of four_highs, colorectal, gastric and nipt per result");
  }
  if (request.has_four_highs()) {
    // Bounds apply to the SI values, whatever units were sent.
    bad.AddAll(ValidateFourHighs(FourHighsToSi(UnitFactors{}, request.four_highs()), "four_highs"));
  }
  if (request.has_colorectal()) {
    bad.AddAll(ValidateColorectal(request.colorectal(), ColorectalRules{}, "colorectal"));
  }
  if (request.has_gastric()) {
    bad.AddAll(ValidateGastric(request.gastric(), GastricRules{}, "gastric"));
  }
  if (request.has_nipt()) bad.AddAll(ValidateNipt(request.nipt(), "nipt"));
  return bad.ToStatus();
}

v1::ScreeningType MeasuredScreening(const v1::RecordResultRequest& request) {
  if (request.has_colorectal()) return v1::SCREENING_TYPE_COLORECTAL;
  if (request.has_gastric()) return v1::SCREENING_TYPE_GASTRIC;
  if (request.has_nipt()) return v1::SCREENING_TYPE_NIPT;
  return v1::SCREENING_TYPE_FOUR_HIGHS;
}

grpc::Status ResultsServiceImpl::RecordResult(grpc::ServerContext* context,
                                              const v1::RecordResultRequest* request,
                                              v1::Result* response) {
  return gate_.Serve(context, *request, Method<v1::ResultsService>("RecordResult"),
                     [&](CallGate::Call& call) -> absl::Status {
                       call.set_resource(request->booking());
                       ASSIGN_OR_RETURN(*response, Record(call.caller(), *request));
                       call.set_resource(response->name());
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::Result> ResultsServiceImpl::Record(const Caller& caller,
                                                      const v1::RecordResultRequest& request) {
  RETURN_IF_ERROR(ValidateRecordResult(request));
  // A hospital records only as itself.
  RETURN_IF_ERROR(RequireHospital(caller, *ParseStringName("hospitals", request.hospital())));
  if (request.validate_only()) {
    // The same checks and classification as a recording, on the booking as
    // it stands, and nothing stored.
    std::vector<absl::StatusOr<v1::Booking>> booking = FetchBookings({&request});
    if (!booking[0].ok()) return booking[0].status();
    ASSIGN_OR_RETURN(Checked checked, Check(request, *booking[0], /*decide_referral=*/false));
    return checked.result;
  }
  // Results arriving together are checked with one call to scheduling and
  // stored in one transaction.
  return RetryAnswer(request, record_batch_.Run({&request, CurrentTraceId()}));
}

absl::StatusOr<v1::Result> ResultsServiceImpl::RetryAnswer(const v1::RecordResultRequest& request,
                                                           absl::StatusOr<v1::Result> recorded) {
  if (recorded.ok() || recorded.status().code() == absl::StatusCode::kInvalidArgument) {
    return recorded;
  }
  // A retry of a result that was recorded returns it, whatever changed since
  // (the booking amended, a referral closed). On success the recording
  // transaction itself finds the earlier answer.
  ASSIGN_OR_RETURN(std::optional<v1::Result> earlier, store_.FindResult(request));
  if (earlier) return *earlier;
  return recorded;
}

std::vector<absl::StatusOr<v1::Booking>> ResultsServiceImpl::FetchBookings(
    const std::vector<const v1::RecordResultRequest*>& requests) {
  std::vector<absl::StatusOr<v1::Booking>> bookings;
  absl::StatusOr<std::unique_ptr<v1::SchedulingService::Stub>> scheduling =
      peers_.Stub<v1::SchedulingService>("scheduling");
  if (!scheduling.ok()) {
    return std::vector<absl::StatusOr<v1::Booking>>(requests.size(), scheduling.status());
  }
  if (requests.size() > 1) {
    // Bound with the same channel as `scheduling`, so bound as well.
    auto internal_scheduling =
        peers_.Stub<internal::v1::SchedulingInternalService>("scheduling").value();
    internal::v1::BatchGetBookingsRequest get;
    for (const auto* request : requests) get.add_names(request->booking());
    internal::v1::BatchGetBookingsResponse got;
    auto call = peers_.CallContext(nullptr, kSchedulingTimeout);
    if (internal_scheduling->BatchGetBookings(call.get(), get, &got).ok() &&
        got.bookings_size() == get.names_size()) {
      for (v1::Booking& booking : *got.mutable_bookings())
        bookings.emplace_back(std::move(booking));
      return bookings;
    }
    // Some booking is missing (or the call failed): each asks for its own,
    // so that each gets its own answer.
  }
  for (const auto* request : requests) {
    v1::GetBookingRequest get;
    get.set_name(request->booking());
    v1::Booking booking;
    auto call = peers_.CallContext(nullptr, kSchedulingTimeout);
    absl::Status got =
        PeerOutcome((*scheduling)->GetBooking(call.get(), get, &booking), "scheduling");
    if (got.ok()) {
      bookings.emplace_back(std::move(booking));
    } else {
      bookings.emplace_back(got);
    }
  }
  return bookings;
}

std::vector<absl::StatusOr<v1::Result>> ResultsServiceImpl::RecordBatch(
    std::vector<ToRecord>& to_record) {
  // The batch serves many calls: none of their deadlines cuts it short.
  ScopedCallDeadline no_deadline(absl::InfiniteFuture());
  std::vector<const v1::RecordResultRequest*> requests;
  std::vector<std::string> traces;
  for (const ToRecord& r : to_record) {
    requests.push_back(r.request);
    traces.push_back(r.trace_id);
  }
  BatchSpan span("results", traces);
  std::vector<absl::StatusOr<v1::Booking>> bookings = FetchBookings(requests);
  std::vector<absl::StatusOr<v1::Result>> outcomes;
  std::vector<std::optional<Checked>> checked(requests.size());
  std::vector<ResultsStore::ResultToStore> to_store;
  std::vector<size_t> stored_index;
  const absl::Time now = clock_.Now();
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<Checked> c =
        bookings[i].ok() ? Check(*requests[i], *bookings[i]) : bookings[i].status();
    if (!c.ok()) {
      outcomes.emplace_back(c.status());
      continue;
    }
    outcomes.emplace_back(absl::UnknownError("not stored"));  // replaced below
    checked[i] = *std::move(c);
    stored_index.push_back(i);
  }
  for (size_t i : stored_index) {
    to_store.push_back({requests[i], &bookings[i].value(), &checked[i]->result, now,
                        &checked[i]->referral, traces[i]});
  }
  std::vector<absl::StatusOr<v1::Result>> stored = store_.RecordAll(to_store);
  for (size_t k = 0; k < stored_index.size(); ++k) outcomes[stored_index[k]] = std::move(stored[k]);
  return outcomes;
}

absl::StatusOr<ResultsServiceImpl::Checked> ResultsServiceImpl::Check(
    const v1::RecordResultRequest& request, const v1::Booking& booking, bool decide_referral) {
  // Another hospital's booking: say so without revealing anything about it.
  if (booking.hospital() != request.hospital()) {
    return WithReason(absl::PermissionDeniedError(absl::StrCat(
                          request.booking(), " is not a booking of ", request.hospital())),
                      "BOOKING_OF_ANOTHER_HOSPITAL");
  }
  // A result is recorded only for a resident who came and was checked in.
  if (booking.state() != v1::BOOKING_STATE_CHECKED_IN) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          request.booking(), " is ", v1::BookingState_Name(booking.state()),
                          "; check the resident in first")),
                      "BOOKING_NOT_CHECKED_IN");
  }
  const v1::ScreeningType type = MeasuredScreening(request);
  const bool covered =
      std::any_of(booking.screenings().begin(), booking.screenings().end(),
                  [&](const v1::BookedScreening& s) { return s.screening_type() == type; });
  if (!covered) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          request.booking(), " does not include ", v1::ScreeningType_Name(type))),
                      "SCREENING_NOT_BOOKED");
  }
  Checked checked;
  v1::Result& result = checked.result;
  result.set_booking(booking.name());
  result.set_resident(booking.resident());
  result.set_hospital(booking.hospital());
  result.set_screening_type(type);
  RETURN_IF_ERROR(Classify(nullptr,
                           Measurements{&request.four_highs(), &request.colorectal(),
                                        &request.gastric(), &request.nipt()},
                           booking.date(), &result));
  if (type == v1::SCREENING_TYPE_NIPT) {
    result.set_late_report(
        LateNiptReport(follow_up_rules_, *ParseDate(booking.date()), Today(clock_)));
  }
  if (decide_referral) {
    ASSIGN_OR_RETURN(checked.referral,
                     ReferralDecision(nullptr, result, booking.resident_district_code()));
  }
  return checked;
}

absl::Status ResultsServiceImpl::Classify(const grpc::ServerContext* parent, const Measurements& m,
                                          const std::string& visit_date, v1::Result* result) {
  result->set_counts_as_screened(true);
  // The gastric score counts age on the visit day and sex, and the uric acid
  // limit may depend on sex: the registry knows them.
  const bool needs_resident =
      result->screening_type() == v1::SCREENING_TYPE_GASTRIC ||
      (result->screening_type() == v1::SCREENING_TYPE_FOUR_HIGHS && rules_.UricAcidBySex());
  v1::Resident resident;
  if (needs_resident) {
    ASSIGN_OR_RETURN(auto registry, peers_.Stub<v1::RegistryService>("registry"));
    v1::GetResidentRequest get_resident;
    get_resident.set_name(result->resident());
    auto ask = peers_.CallContext(parent, kSchedulingTimeout);
    RETURN_IF_ERROR(
        PeerOutcome(registry->GetResident(ask.get(), get_resident, &resident), "registry"));
  }
  switch (result->screening_type()) {
    case v1::SCREENING_TYPE_COLORECTAL:
      *result->mutable_colorectal() = *m.colorectal;
      *result->mutable_colorectal_classification() =
          ClassifyColorectal(other_rules_.colorectal, *m.colorectal);
      result->set_counts_as_screened(!result->colorectal_classification().sample_failed());
      break;
    case v1::SCREENING_TYPE_GASTRIC: {
      const int age = AgeOn(*ParseDate(resident.birth_date()), *ParseDate(visit_date));
      *result->mutable_gastric() = *m.gastric;
      *result->mutable_gastric_classification() =
          ClassifyGastric(other_rules_.gastric, *m.gastric, age, resident.sex());
      break;
    }
    case v1::SCREENING_TYPE_NIPT:
      *result->mutable_nipt() = *m.nipt;
      *result->mutable_nipt_classification() = ClassifyNipt(*m.nipt);
      result->set_counts_as_screened(!result->nipt_classification().failed());
      break;
    default:
      *result->mutable_four_highs() = FourHighsToSi(other_rules_.units, *m.four_highs);
      *result->mutable_four_highs_units_sent() = m.four_highs->units();
      *result->mutable_four_highs_classification() =
          ClassifyFourHighs(rules_, result->four_highs(), resident.sex());
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<NewReferral>> ResultsServiceImpl::ReferralDecision(
    const grpc::ServerContext* parent, const v1::Result& result,
    const std::string& resident_district) {
  std::optional<v1::ReferralKind> kind = ReferralFor(result);
  if (!kind) return std::optional<NewReferral>();
  if (*kind == v1::REFERRAL_KIND_COLONOSCOPY) {
    // A failed stool sample with a high-risk questionnaire refers (the
    // questionnaire alone does, docs/domain.md §4) though it does not count; the
    // recollection on the same booking then does not refer a second time.
    ASSIGN_OR_RETURN(const bool referred,
                     store_.BookingHasOpenReferral(
                         ParseNumericName("bookings", result.booking()).value_or(0), *kind,
                         ParseNumericName("results", result.name()).value_or(0)));
    if (referred) return std::optional<NewReferral>();
  }
  NewReferral referral{.kind = *kind, .open_date = Today(clock_)};
  referral.due_date = DueDate(follow_up_rules_, *kind, referral.open_date);
  const v1::FollowUpProcedure procedure = ProcedureFor(*kind);
  if (procedure != v1::FOLLOW_UP_PROCEDURE_UNSPECIFIED) {
    // Where the procedure is offered: the scheduling service knows.
    ASSIGN_OR_RETURN(auto scheduling, peers_.Stub<v1::SchedulingService>("scheduling"));
    std::vector<v1::Hospital> hospitals;
    v1::ListHospitalsRequest list;
    list.set_page_size(1000);
    do {
      v1::ListHospitalsResponse page;
      auto call = peers_.CallContext(parent, kSchedulingTimeout);
      RETURN_IF_ERROR(
          PeerOutcome(scheduling->ListHospitals(call.get(), list, &page), "scheduling"));
      hospitals.insert(hospitals.end(), page.hospitals().begin(), page.hospitals().end());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    referral.hospital_code = FollowUpHospital(
        procedure, *ParseStringName("hospitals", result.hospital()), resident_district, hospitals);
  }
  return std::optional<NewReferral>(referral);
}

grpc::Status ResultsServiceImpl::RecordResults(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::RecordResultOutcome, v1::RecordResultsRequest>* stream) {
  return gate_.Serve(
      context, Method<v1::ResultsService>("RecordResults"),
      [&](CallGate::Call& call) -> absl::Status {
        // Reads ahead on a second thread: the items that have arrived while
        // the last ones were being stored are recorded together, so a
        // laboratory sending its batch at once pays one transaction per
        // chunk, and a trickle is answered item by item.
        constexpr size_t kMaxChunk = 100;
        absl::Mutex mu;
        std::deque<v1::RecordResultRequest> arrived;
        bool reading = true;
        int64_t received = 0;
        std::optional<int64_t> declared;  // the client's last message
        absl::Status protocol;            // a message out of place
        std::thread reader([&] {
          v1::RecordResultsRequest message;
          for (bool first = true; stream->Read(&message); first = false) {
            // Each message after the first counts against the caller's rate.
            if (!first && !call.PaceMessage().ok()) break;  // the call ended
            absl::MutexLock lock(&mu);
            if (declared) {
              protocol = InvalidField("total_results", "nothing may follow the last message");
              break;
            }
            if (message.has_total_results()) {
              declared = message.total_results();
            } else if (message.has_result()) {
              ++received;
              arrived.push_back(std::move(*message.mutable_result()));
            } else {
              protocol = InvalidField(
                  "result",
                  absl::StrCat("message ", received + 1, " has neither result nor total_results"));
              break;
            }
          }
          absl::MutexLock lock(&mu);
          reading = false;
        });
        bool writing = true;
        while (writing) {
          std::vector<v1::RecordResultRequest> chunk;
          {
            absl::MutexLock lock(&mu);
            auto ready = [&] { return !arrived.empty() || !reading; };
            mu.Await(absl::Condition(&ready));
            if (arrived.empty()) break;  // the client is done
            while (!arrived.empty() && chunk.size() < kMaxChunk) {
              chunk.push_back(std::move(arrived.front()));
              arrived.pop_front();
            }
          }
          std::vector<absl::StatusOr<v1::Result>> recorded = RecordChunk(call.caller(), chunk);
          for (size_t i = 0; i < chunk.size() && writing; ++i) {
            v1::RecordResultOutcome outcome;
            outcome.set_request_id(chunk[i].request_id());
            *outcome.mutable_status() = ToRpcStatus(recorded[i].status());
            if (recorded[i].ok()) *outcome.mutable_result() = *std::move(recorded[i]);
            writing = stream->Write(outcome);
          }
        }
        if (!writing) context->TryCancel();  // the client is gone: end its reads too
        reader.join();
        if (!writing) return absl::CancelledError("the client went away");
        RETURN_IF_ERROR(protocol);
        return CheckStreamEnd("total_results", declared, received, "results");
      });
}

std::vector<absl::StatusOr<v1::Result>> ResultsServiceImpl::RecordChunk(
    const Caller& caller, const std::vector<v1::RecordResultRequest>& chunk) {
  std::vector<absl::StatusOr<v1::Result>> outcomes;
  std::vector<ToRecord> valid;
  std::vector<size_t> valid_index;
  for (size_t i = 0; i < chunk.size(); ++i) {
    absl::Status ok = CheckFieldLimits(chunk[i]);
    if (ok.ok()) ok = ValidateRecordResult(chunk[i]);
    if (ok.ok() && chunk[i].validate_only()) {
      ok = InvalidField("result.validate_only", "is for RecordResult alone; a batch stores");
    }
    if (ok.ok()) ok = RequireHospital(caller, *ParseStringName("hospitals", chunk[i].hospital()));
    outcomes.emplace_back(ok.ok() ? absl::UnknownError("not recorded") : ok);  // replaced below
    if (ok.ok()) {
      valid.push_back({&chunk[i], CurrentTraceId()});
      valid_index.push_back(i);
    }
  }
  if (valid.empty()) return outcomes;
  std::vector<absl::StatusOr<v1::Result>> recorded = RecordBatch(valid);
  for (size_t k = 0; k < valid.size(); ++k) {
    outcomes[valid_index[k]] = RetryAnswer(*valid[k].request, std::move(recorded[k]));
  }
  return outcomes;
}

grpc::Status ResultsServiceImpl::AmendResult(grpc::ServerContext* context,
                                             const v1::AmendResultRequest* request,
                                             v1::Result* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("AmendResult"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        auto id = ParseNumericName("results", request->name());
        if (!id) bad.Add("name", "must be results/{id}");
        const int measurements = request->has_four_highs() + request->has_colorectal() +
                                 request->has_gastric() + request->has_nipt();
        if (measurements != 1) {
          bad.Add("four_highs", "exactly one of four_highs, colorectal, gastric and nipt");
        }
        if (request->has_four_highs()) {
          bad.AddAll(ValidateFourHighs(FourHighsToSi(other_rules_.units, request->four_highs()),
                                       "four_highs"));
        }
        if (request->has_colorectal()) {
          bad.AddAll(
              ValidateColorectal(request->colorectal(), other_rules_.colorectal, "colorectal"));
        }
        if (request->has_gastric()) {
          bad.AddAll(ValidateGastric(request->gastric(), other_rules_.gastric, "gastric"));
        }
        if (request->has_nipt()) bad.AddAll(ValidateNipt(request->nipt(), "nipt"));
        if (Utf8Length(request->reason()) == 0 || Utf8Length(request->reason()) > 500) {
          bad.Add("reason", "is required: 1 to 500 characters");
        }
        if (!IsValidRequestId(request->request_id())) {
          bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(request->name());
        ASSIGN_OR_RETURN(v1::Result current, store_.GetResult(*id));
        RETURN_IF_ERROR(
            RequireHospital(call.caller(), *ParseStringName("hospitals", current.hospital())));
        const v1::ScreeningType sent = request->has_colorectal() ? v1::SCREENING_TYPE_COLORECTAL
                                       : request->has_gastric()  ? v1::SCREENING_TYPE_GASTRIC
                                       : request->has_nipt()     ? v1::SCREENING_TYPE_NIPT
                                                                 : v1::SCREENING_TYPE_FOUR_HIGHS;
        if (sent != current.screening_type()) {
          return InvalidField(
              "four_highs",
              absl::StrCat("the result is ", v1::ScreeningType_Name(current.screening_type()),
                           "; send that measurement"));
        }
        // The visit day is the booking's; the registry answers age and sex.
        ASSIGN_OR_RETURN(auto scheduling, peers_.Stub<v1::SchedulingService>("scheduling"));
        v1::GetBookingRequest get;
        get.set_name(current.booking());
        v1::Booking booking;
        auto ask = peers_.CallContext(context, kSchedulingTimeout);
        RETURN_IF_ERROR(
            PeerOutcome(scheduling->GetBooking(ask.get(), get, &booking), "scheduling"));
        v1::Result corrected = current;
        corrected.clear_four_highs();
        corrected.clear_colorectal();
        corrected.clear_gastric();
        corrected.clear_nipt();
        RETURN_IF_ERROR(Classify(context,
                                 Measurements{&request->four_highs(), &request->colorectal(),
                                              &request->gastric(), &request->nipt()},
                                 booking.date(), &corrected));
        // Whether the person counts never changes with an amendment.
        corrected.set_counts_as_screened(current.counts_as_screened());
        ASSIGN_OR_RETURN(std::optional<NewReferral> referral,
                         ReferralDecision(context, corrected, booking.resident_district_code()));
        ASSIGN_OR_RETURN(*response, store_.Amend(*request, *id, corrected, call.caller().Name(),
                                                 referral, Today(clock_)));
        return absl::OkStatus();
      });
}

grpc::Status ResultsServiceImpl::ListReferrals(grpc::ServerContext* context,
                                               const v1::ListReferralsRequest* request,
                                               v1::ListReferralsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("ListReferrals"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        ReferralQuery query;
        auto code = ParseStringName("hospitals", request->hospital());
        if (!code) bad.Add("hospital", "must be hospitals/{code}");
        if (!v1::ReferralStatus_IsValid(request->status())) {
          bad.Add("status", "must be a ReferralStatus value");
        }
        if (request->page_size() < 0 || request->page_size() > kMaxEventPage) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxEventPage));
        }
        if (!request->page_token().empty() &&
            (!absl::SimpleAtoi(request->page_token(), &query.after_id) || query.after_id <= 0)) {
          bad.Add("page_token", "is not a token this service issued");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(request->hospital());
        RETURN_IF_ERROR(RequireHospital(call.caller(), *code));
        query.hospital_code = *code;
        query.status = request->status();
        query.overdue_only = request->overdue_only();
        query.today = Today(clock_);
        query.page_size = request->page_size() == 0 ? 100 : request->page_size();
        // Overdue referrals raise their event at the latest when looked at.
        RETURN_IF_ERROR(store_.SweepOverdueReferrals(query.today).status());
        ASSIGN_OR_RETURN(auto page, store_.ListReferrals(query));
        for (auto& r : page.first) *response->add_referrals() = std::move(r);
        if (page.second) {
          response->set_next_page_token(
              absl::StrCat(*ParseNumericName("referrals", response->referrals().rbegin()->name())));
        }
        return absl::OkStatus();
      });
}

grpc::Status ResultsServiceImpl::RecordFollowUp(grpc::ServerContext* context,
                                                const v1::RecordFollowUpRequest* request,
                                                v1::Referral* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("RecordFollowUp"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        auto id = ParseNumericName("referrals", request->name());
        if (!id) bad.Add("name", "must be referrals/{id}");
        auto date = ParseDate(request->follow_up_date());
        const absl::CivilDay today = Today(clock_);
        if (!date || *date > today) {
          bad.Add("follow_up_date", "must be a real date, YYYY-MM-DD, not in the future");
        }
        if (!v1::FollowUpFinding_IsValid(request->finding()) ||
            request->finding() == v1::FOLLOW_UP_FINDING_UNSPECIFIED) {
          bad.Add("finding", "is required: a FollowUpFinding value");
        }
        if (Utf8Length(request->note()) > 1000) bad.Add("note", "at most 1000 characters");
        if (!IsValidRequestId(request->request_id())) {
          bad.Add("request_id", "is required: 1 to 64 printable ASCII characters");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(request->name());
        ASSIGN_OR_RETURN(v1::Referral referral, store_.GetReferral(*id, today));
        // The follow-up hospital records it (or the referring one when the
        // family doctor reports back through it).
        const std::string doing =
            referral.hospital().empty() ? referral.referring_hospital() : referral.hospital();
        RETURN_IF_ERROR(RequireHospital(call.caller(), *ParseStringName("hospitals", doing)));
        if (*date < *ParseDate(referral.open_date())) {
          return InvalidField("follow_up_date", "must not be before the referral opened");
        }
        ASSIGN_OR_RETURN(*response, store_.RecordFollowUp(*request, *id, *date, today));
        return absl::OkStatus();
      });
}

grpc::Status ResultsServiceImpl::ListMissingResults(grpc::ServerContext* context,
                                                    const v1::ListMissingResultsRequest* request,
                                                    v1::ListMissingResultsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("ListMissingResults"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        auto code = ParseStringName("hospitals", request->hospital());
        if (!code) bad.Add("hospital", "must be hospitals/{code}");
        if (request->older_than_days() < 0 || request->older_than_days() > 92) {
          bad.Add("older_than_days", "must be 0 to 92 (0: the configured days)");
        }
        if (request->look_back_days() < 0 || request->look_back_days() > 92) {
          bad.Add("look_back_days", "must be 0 to 92 (0 means 31)");
        }
        if (request->page_size() < 0 || request->page_size() > kMaxEventPage) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxEventPage));
        }
        // The token is where the page before ended, in the roster's order:
        // `{date}/{session}/{booking id}`.
        struct Position {
          absl::CivilDay day;
          int session = 0;
          int64_t id = 0;
        };
        std::optional<Position> after;
        if (!request->page_token().empty()) {
          std::vector<std::string> parts = absl::StrSplit(request->page_token(), '/');
          Position p;
          auto day = parts.size() == 3 ? ParseDate(parts[0]) : std::nullopt;
          if (!day || !absl::SimpleAtoi(parts[1], &p.session) ||
              !absl::SimpleAtoi(parts[2], &p.id) || p.id <= 0) {
            bad.Add("page_token", "is not a token this service issued");
          } else {
            p.day = *day;
            after = p;
          }
        }
        RETURN_IF_ERROR(bad.ToStatus());
        const int page_size = request->page_size() == 0 ? 100 : request->page_size();
        call.set_resource(request->hospital());
        RETURN_IF_ERROR(RequireHospital(call.caller(), *code));
        const int older = request->older_than_days() == 0 ? follow_up_rules_.missing_result_days
                                                          : request->older_than_days();
        const int back = request->look_back_days() == 0 ? 31 : request->look_back_days();
        const absl::CivilDay today = Today(clock_);
        ASSIGN_OR_RETURN(auto scheduling, peers_.Stub<v1::SchedulingService>("scheduling"));
        std::vector<v1::Booking> visits;
        const absl::CivilDay first_day = after ? std::max(after->day, today - back) : today - back;
        for (absl::CivilDay day = first_day; day <= today - older; ++day) {
          v1::ListBookingsRequest roster;
          roster.set_hospital(request->hospital());
          roster.set_date(FormatDate(day));
          roster.set_state(v1::BOOKING_STATE_CHECKED_IN);
          roster.set_page_size(1000);
          do {
            v1::ListBookingsResponse page;
            auto ask = peers_.CallContext(context, kSchedulingTimeout);
            RETURN_IF_ERROR(
                PeerOutcome(scheduling->ListBookings(ask.get(), roster, &page), "scheduling"));
            for (auto& b : *page.mutable_bookings()) visits.push_back(std::move(b));
            roster.set_page_token(page.next_page_token());
          } while (!roster.page_token().empty());
        }
        if (visits.empty()) return absl::OkStatus();
        std::vector<int64_t> ids;
        for (const auto& b : visits) ids.push_back(*ParseNumericName("bookings", b.name()));
        ASSIGN_OR_RETURN(auto counted, store_.CountedResults(ids));
        std::string last_position;  // of the last visit on this page
        for (const auto& b : visits) {
          const int64_t booking_id = *ParseNumericName("bookings", b.name());
          v1::MissingResult missing;
          for (const auto& item : b.screenings()) {
            if (!counted.count({booking_id, item.screening_type()})) {
              missing.add_screenings(item.screening_type());
            }
          }
          if (missing.screenings_size() == 0) continue;
          if (after && b.date() == FormatDate(after->day) &&
              std::make_pair(static_cast<int>(b.session()), booking_id) <=
                  std::make_pair(after->session, after->id)) {
            continue;  // on the page before
          }
          if (response->missing_size() == page_size) {
            response->set_next_page_token(last_position);
            break;
          }
          last_position =
              absl::StrCat(b.date(), "/", static_cast<int>(b.session()), "/", booking_id);
          missing.set_booking(b.name());
          missing.set_date(b.date());
          *response->add_missing() = std::move(missing);
        }
        return absl::OkStatus();
      });
}

}  // namespace screening::results
