// ResultsService's reads: one result, a list of results, one referral. A
// hospital reads its own; a clinic reads its district's residents' results
// (to tell them); the commission reads none (the authorization table).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/caller.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "services/results/results_service.h"

namespace screening::results {
namespace {

constexpr int kMaxResultsPage = 1000;

// A result the caller may read: a hospital's own, or (for a clinic) one of
// its district's residents'.
absl::Status RequireResultScope(const Caller& caller, const ResultRead& read) {
  if (caller.role == Role::kClinic) return RequireDistrict(caller, read.resident_district);
  return RequireHospital(caller, *ParseStringName("hospitals", read.result.hospital()));
}

// The start of a Harbin day.
absl::Time StartOf(absl::CivilDay day) { return absl::FromCivil(day, HarbinTimeZone()); }

}  // namespace

grpc::Status ResultsServiceImpl::GetResult(grpc::ServerContext* context,
                                           const v1::GetResultRequest* request,
                                           v1::Result* response) {
  return gate_.Serve(context, *request, Method<v1::ResultsService>("GetResult"),
                     [&](CallGate::Call& call) -> absl::Status {
                       auto id = ParseNumericName("results", request->name());
                       if (!id) return InvalidField("name", "must be results/{id}");
                       call.set_resource(request->name());
                       ASSIGN_OR_RETURN(ResultRead read, store_.ReadResult(*id));
                       RETURN_IF_ERROR(RequireResultScope(call.caller(), read));
                       *response = std::move(read.result);
                       return absl::OkStatus();
                     });
}

grpc::Status ResultsServiceImpl::ListResults(grpc::ServerContext* context,
                                             const v1::ListResultsRequest* request,
                                             v1::ListResultsResponse* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("ListResults"),
      [&](CallGate::Call& call) -> absl::Status {
        FieldViolations bad;
        ResultQuery query;
        if (!request->hospital().empty()) {
          auto code = ParseStringName("hospitals", request->hospital());
          if (!code) bad.Add("hospital", "must be hospitals/{code}");
          query.hospital_code = code.value_or("");
        }
        if (!request->booking().empty()) {
          auto booking = ParseNumericName("bookings", request->booking());
          if (!booking) bad.Add("booking", "must be bookings/{id}");
          query.booking_id = booking.value_or(0);
        }
        if (!request->resident().empty()) {
          auto resident = ParseNumericName("residents", request->resident());
          if (!resident) bad.Add("resident", "must be residents/{id}");
          query.resident_id = resident.value_or(0);
        }
        if (!v1::ScreeningType_IsValid(request->screening_type())) {
          bad.Add("screening_type", "must be a ScreeningType value");
        }
        query.screening_type = request->screening_type();
        std::optional<absl::CivilDay> start, end;
        if (!request->start_date().empty()) {
          start = ParseDate(request->start_date());
          if (!start) bad.Add("start_date", "must be a real date, YYYY-MM-DD");
        }
        if (!request->end_date().empty()) {
          end = ParseDate(request->end_date());
          if (!end) bad.Add("end_date", "must be a real date, YYYY-MM-DD");
        }
        if (start && end && *end < *start) bad.Add("end_date", "must not be before start_date");
        if (request->page_size() < 0 || request->page_size() > kMaxResultsPage) {
          bad.Add("page_size", absl::StrCat("must be 0 to ", kMaxResultsPage));
        }
        if (!request->page_token().empty() &&
            (!absl::SimpleAtoi(request->page_token(), &query.after_id) || query.after_id <= 0)) {
          bad.Add("page_token", "is not a token this service issued");
        }
        RETURN_IF_ERROR(bad.ToStatus());
        if (start) query.recorded_from = StartOf(*start);
        if (end) query.recorded_before = StartOf(*end + 1);
        // The caller's scope is a filter of its own: a hospital lists only
        // its results, a clinic only its district's residents'.
        const Caller& caller = call.caller();
        if (caller.role == Role::kHospital) {
          if (!query.hospital_code.empty()) {
            RETURN_IF_ERROR(RequireHospital(caller, query.hospital_code));
          }
          query.hospital_code = caller.scope;
        } else if (caller.role == Role::kClinic) {
          query.resident_district = caller.scope;
        }
        call.set_resource(!request->resident().empty()  ? request->resident()
                          : !request->booking().empty() ? request->booking()
                                                        : "results");
        query.page_size = request->page_size() == 0 ? 100 : request->page_size();
        ASSIGN_OR_RETURN(auto page, store_.ListResults(query));
        for (ResultRead& read : page.first) *response->add_results() = std::move(read.result);
        if (page.second) {
          response->set_next_page_token(
              absl::StrCat(*ParseNumericName("results", response->results().rbegin()->name())));
        }
        return absl::OkStatus();
      });
}

grpc::Status ResultsServiceImpl::GetReferral(grpc::ServerContext* context,
                                             const v1::GetReferralRequest* request,
                                             v1::Referral* response) {
  return gate_.Serve(
      context, *request, Method<v1::ResultsService>("GetReferral"),
      [&](CallGate::Call& call) -> absl::Status {
        auto id = ParseNumericName("referrals", request->name());
        if (!id) return InvalidField("name", "must be referrals/{id}");
        call.set_resource(request->name());
        RETURN_IF_ERROR(store_.SweepOverdueReferrals(Today(clock_)).status());
        ASSIGN_OR_RETURN(v1::Referral referral, store_.GetReferral(*id, Today(clock_)));
        // The hospital doing the follow-up, or the one whose result opened it.
        const Caller& caller = call.caller();
        const bool follows_up =
            !referral.hospital().empty() &&
            RequireHospital(caller, *ParseStringName("hospitals", referral.hospital())).ok();
        if (!follows_up) {
          RETURN_IF_ERROR(RequireHospital(
              caller, *ParseStringName("hospitals", referral.referring_hospital())));
        }
        *response = std::move(referral);
        return absl::OkStatus();
      });
}

}  // namespace screening::results
