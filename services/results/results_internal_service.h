// ResultsInternalService's handlers: what only other services call
// (screening.internal.v1), served on the same port and gate as the public API
// to `service:` callers.
#pragma once

#include "common/call_gate.h"
#include "screening/internal/v1/results.grpc.pb.h"
#include "services/results/results_store.h"

namespace screening::results {

class ResultsInternalServiceImpl final : public internal::v1::ResultsInternalService::Service {
 public:
  ResultsInternalServiceImpl(ResultsStore& store, CallGate& gate) : store_(store), gate_(gate) {}

  grpc::Status CountResults(grpc::ServerContext* context,
                            const internal::v1::CountResultsRequest* request,
                            internal::v1::ResultCounts* response) override;
  grpc::Status ListOutboxEvents(grpc::ServerContext* context,
                                const internal::v1::ListOutboxEventsRequest* request,
                                internal::v1::ListOutboxEventsResponse* response) override;

 private:
  ResultsStore& store_;
  CallGate& gate_;
};

}  // namespace screening::results
