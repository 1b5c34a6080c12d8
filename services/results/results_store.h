// The results service's SQL: results and the outbox in the `results` schema.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/db.h"
#include "common/request_log.h"
#include "screening/internal/v1/results.pb.h"
#include "screening/v1/results.pb.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::results {

// The referral a recorded or amended result opens, decided by the service.
struct NewReferral {
  v1::ReferralKind kind = v1::REFERRAL_KIND_UNSPECIFIED;
  std::string hospital_code;  // "" for the family doctor
  absl::CivilDay open_date, due_date;
};

struct ReferralQuery {
  std::string hospital_code;
  v1::ReferralStatus status = v1::REFERRAL_STATUS_UNSPECIFIED;
  bool overdue_only = false;
  absl::CivilDay today;
  int page_size = 100;
  int64_t after_id = 0;
};

// What ListResults filters by; empty or zero means any.
struct ResultQuery {
  std::string hospital_code;
  std::string resident_district;  // the resident's district when booked
  int64_t booking_id = 0;
  int64_t resident_id = 0;
  v1::ScreeningType screening_type = v1::SCREENING_TYPE_UNSPECIFIED;
  std::optional<absl::Time> recorded_from, recorded_before;
  int page_size = 100;
  int64_t after_id = 0;
};

// A result as read back, with the district it is scoped by.
struct ResultRead {
  v1::Result result;
  std::string resident_district;
};

class ResultsStore {
 public:
  explicit ResultsStore(db::Pool& pool);

  // The first answer to an earlier RecordResult with this request_id, if any.
  absl::StatusOr<std::optional<v1::Result>> FindResult(const v1::RecordResultRequest& request);

  // A classified result for a checked booking, ready to store.
  struct ResultToStore {
    const v1::RecordResultRequest* request;
    const v1::Booking* booking;
    const v1::Result* result;
    absl::Time record_time;
    const std::optional<NewReferral>* referral;
    std::string trace_id;  // the call's, carried by the result's events
  };

  // Stores each classified result and its outbox event (`result.recorded`,
  // or `result.sample_failed` when it does not count); a referral, if given,
  // opens with it (event `referral.opened`). All of them in one transaction
  // and a few statements when none collides with what is stored; otherwise
  // each in its own, with its own outcome: ALREADY_EXISTS (RESULT_EXISTS)
  // when the screening already has a counted result; with an accession
  // number already used, the same booking and screening return that result
  // and another is INVALID_ARGUMENT; a request_id already used returns its
  // first answer.
  std::vector<absl::StatusOr<v1::Result>> RecordAll(const std::vector<ResultToStore>& results);

  // NOT_FOUND when there is no such result.
  absl::StatusOr<v1::Result> GetResult(int64_t id);
  // The same, with the resident's district (for a clinic's scope).
  absl::StatusOr<ResultRead> ReadResult(int64_t id);
  // A page of results (ordered by id), and whether more follow.
  absl::StatusOr<std::pair<std::vector<ResultRead>, bool>> ListResults(const ResultQuery& query);

  // Replaces a counted result's measurement and classification, keeping the
  // old version with who and why; opens, withdraws or reopens its referral
  // to match (`referral` is what the new classification calls for).
  // Events: `result.amended` and the referral's. FAILED_PRECONDITION
  // (NOT_AMENDABLE) for a failed sample.
  absl::StatusOr<v1::Result> Amend(const v1::AmendResultRequest& request, int64_t result_id,
                                   const v1::Result& corrected, const std::string& amended_by,
                                   const std::optional<NewReferral>& referral,
                                   absl::CivilDay today);

  // Marks open referrals past their due date as overdue, each once, with a
  // `referral.overdue` event. Returns how many.
  absl::StatusOr<int> SweepOverdueReferrals(absl::CivilDay today);
  // Whether this replica runs the sweep's round (one a round across replicas;
  // common/task_rounds.h).
  absl::StatusOr<bool> ClaimOverdueSweepRound(absl::Duration interval);
  absl::StatusOr<std::pair<std::vector<v1::Referral>, bool>> ListReferrals(
      const ReferralQuery& query);  // (page, more follow)
  absl::StatusOr<v1::Referral> GetReferral(int64_t id, absl::CivilDay today);
  // Whether another result of the booking (not `except_result_id`) has an
  // open referral of `kind`: a failed stool sample with a high-risk
  // questionnaire already referred the resident, and the recollection does
  // not refer twice.
  absl::StatusOr<bool> BookingHasOpenReferral(int64_t booking_id, v1::ReferralKind kind,
                                              int64_t except_result_id);
  // FAILED_PRECONDITION (REFERRAL_CLOSED) unless open; a retry of
  // `request` (its request_id) gets the first answer.
  absl::StatusOr<v1::Referral> RecordFollowUp(const v1::RecordFollowUpRequest& request, int64_t id,
                                              absl::CivilDay date, absl::CivilDay today);

  // The year's totals from the results table itself.
  absl::StatusOr<internal::v1::ResultCounts> CountResults(int programme_year);

  // The screenings among `bookings` that have a counted result.
  absl::StatusOr<std::set<std::pair<int64_t, v1::ScreeningType>>> CountedResults(
      const std::vector<int64_t>& booking_ids);

  // Events committed after `after` ("" for the start), in commit order.
  // How many committed events follow `after` (up to a million).
  absl::StatusOr<int64_t> CountEvents(const std::string& after);
  absl::StatusOr<std::vector<internal::v1::OutboxEvent>> ListEvents(const std::string& after,
                                                                    int limit);

 private:
  absl::StatusOr<v1::Result> RecordOne(const ResultToStore& pending);
  // The whole batch in one transaction; nullopt (and nothing written) when
  // it failed, with `collided` marking the items that collided with what is
  // stored or with an earlier item (they need the one-by-one path).
  std::optional<std::vector<v1::Result>> RecordTogether(const std::vector<ResultToStore>& batch,
                                                        std::vector<bool>* collided);

  db::Pool& pool_;
  db::RequestLog requests_{"results"};
};

// Offsets are `{xid}:{seq}`; nullopt when malformed.
std::optional<std::pair<std::string, int64_t>> ParseOffset(absl::string_view offset);

}  // namespace screening::results
