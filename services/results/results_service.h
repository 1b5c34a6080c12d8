// ResultsService's gRPC handlers: validate, check the booking with
// scheduling, classify, delegate to the store.
#pragma once

#include "common/batcher.h"
#include "common/call_gate.h"
#include "common/clock.h"
#include "common/peers.h"
#include "screening/v1/results.grpc.pb.h"
#include "services/results/four_highs.h"
#include "services/results/results_store.h"
#include "services/results/screenings.h"

namespace screening::results {

class ResultsServiceImpl final : public v1::ResultsService::Service {
 public:
  ResultsServiceImpl(ResultsStore& store, CallGate& gate, const Peers& peers, const Clock& clock,
                     ResultRules rules)
      : store_(store),
        gate_(gate),
        peers_(peers),
        clock_(clock),
        rules_(rules.four_highs),
        other_rules_(rules),
        follow_up_rules_(rules.follow_up),
        record_batch_([this](std::vector<ToRecord>& requests) { return RecordBatch(requests); },
                      {.max_batch = 64, .max_running = 2}) {}

  grpc::Status RecordResult(grpc::ServerContext* context, const v1::RecordResultRequest* request,
                            v1::Result* response) override;
  grpc::Status RecordResults(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::RecordResultOutcome, v1::RecordResultsRequest>* stream) override;
  grpc::Status AmendResult(grpc::ServerContext* context, const v1::AmendResultRequest* request,
                           v1::Result* response) override;
  // The reads (results_reads.cc).
  grpc::Status GetResult(grpc::ServerContext* context, const v1::GetResultRequest* request,
                         v1::Result* response) override;
  grpc::Status ListResults(grpc::ServerContext* context, const v1::ListResultsRequest* request,
                           v1::ListResultsResponse* response) override;
  grpc::Status GetReferral(grpc::ServerContext* context, const v1::GetReferralRequest* request,
                           v1::Referral* response) override;
  grpc::Status ListReferrals(grpc::ServerContext* context, const v1::ListReferralsRequest* request,
                             v1::ListReferralsResponse* response) override;
  grpc::Status RecordFollowUp(grpc::ServerContext* context,
                              const v1::RecordFollowUpRequest* request,
                              v1::Referral* response) override;
  grpc::Status ListMissingResults(grpc::ServerContext* context,
                                  const v1::ListMissingResultsRequest* request,
                                  v1::ListMissingResultsResponse* response) override;

 private:
  absl::StatusOr<v1::Result> Record(const Caller& caller, const v1::RecordResultRequest& request);
  // A stream's items that arrived together: each validated, the valid ones
  // recorded as one batch.
  std::vector<absl::StatusOr<v1::Result>> RecordChunk(
      const Caller& caller, const std::vector<v1::RecordResultRequest>& chunk);
  // `recorded`, or, when it failed, the first answer to an earlier request
  // with this request_id.
  absl::StatusOr<v1::Result> RetryAnswer(const v1::RecordResultRequest& request,
                                         absl::StatusOr<v1::Result> recorded);
  // What a request records, checked against its booking, classified and
  // referred, before it is stored.
  struct Checked {
    v1::Result result;
    std::optional<NewReferral> referral;
  };
  // `decide_referral` false (a preview): the classification only, without
  // looking up where a referral would go.
  absl::StatusOr<Checked> Check(const v1::RecordResultRequest& request, const v1::Booking& booking,
                                bool decide_referral = true);
  // A validated request to record, with the trace of the call it came in.
  struct ToRecord {
    const v1::RecordResultRequest* request;
    std::string trace_id;
  };
  // Validated requests recorded together: their bookings in one call to
  // scheduling, then stored together (see ResultsStore::RecordAll).
  std::vector<absl::StatusOr<v1::Result>> RecordBatch(std::vector<ToRecord>& requests);
  // The booking of each request, in one call (each its own if that fails).
  std::vector<absl::StatusOr<v1::Booking>> FetchBookings(
      const std::vector<const v1::RecordResultRequest*>& requests);
  // The measurement of each screening (only the result's own is read).
  struct Measurements {
    const v1::FourHighsMeasurement* four_highs;
    const v1::ColorectalMeasurement* colorectal;
    const v1::GastricMeasurement* gastric;
    const v1::NiptMeasurement* nipt;
  };
  // Fills the measurement and classification of `result` (its screening
  // type, resident and hospital set) for a visit on `visit_date`.
  // Peer calls act for `parent` (null: the process's own, as for a batch).
  absl::Status Classify(const grpc::ServerContext* parent, const Measurements& m,
                        const std::string& visit_date, v1::Result* result);
  // The referral a classified, counted result opens, and where.
  absl::StatusOr<std::optional<NewReferral>> ReferralDecision(const grpc::ServerContext* parent,
                                                              const v1::Result& result,
                                                              const std::string& resident_district);

  ResultsStore& store_;
  CallGate& gate_;
  const Peers& peers_;
  const Clock& clock_;
  const FourHighsRules rules_;
  const ResultRules other_rules_;
  const FollowUpRules follow_up_rules_;
  Batcher<ToRecord, absl::StatusOr<v1::Result>> record_batch_;
};

// INVALID_ARGUMENT naming each bad field of a RecordResult request. Pure.
absl::Status ValidateRecordResult(const v1::RecordResultRequest& request);

// The screening a RecordResult request's measurement is for (validated: one).
v1::ScreeningType MeasuredScreening(const v1::RecordResultRequest& request);

}  // namespace screening::results
