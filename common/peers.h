// Channels from one service to the others. When both live in one process the
// channel is the server's in-process channel, otherwise a network channel;
// the calling code is the same either way. Bound after the server starts, so
// a call that arrives first gets UNAVAILABLE rather than a null stub.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <algorithm>
#include <cstdio>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/trace.h"

namespace screening {

// The outcome of a call to another service, for the caller's caller: a peer
// refusing this service's own credentials is our misconfiguration (INTERNAL),
// not the end caller's fault; every other outcome passes through with its details.
inline absl::Status PeerOutcome(const grpc::Status& status, absl::string_view peer) {
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
      status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    std::fprintf(stderr, "call to %s refused: %s (check --service_token and --peer_ca)\n",
                 std::string(peer).c_str(), status.error_message().c_str());
    return absl::InternalError(
        absl::StrCat("the ", peer, " service refused this service's credentials"));
  }
  // The peer did not answer within this service's cap on it (CallContext):
  // an outage to retry, not the caller's deadline (had that passed, the
  // caller's own gRPC would already have said DEADLINE_EXCEEDED).
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return WithReason(absl::UnavailableError(
                          absl::StrCat("the ", peer, " service did not answer in time; retry")),
                      "PEER_TIMEOUT");
  }
  return FromGrpcStatus(status);
}

class Peers {
 public:
  void Bind(const std::string& service, std::shared_ptr<grpc::Channel> channel) {
    absl::MutexLock lock(&mu_);
    channels_[service] = std::move(channel);
  }

  // A stub of `Service` (e.g. v1::RegistryService), or UNAVAILABLE before binding.
  template <typename Service>
  absl::StatusOr<std::unique_ptr<typename Service::Stub>> Stub(const std::string& service) const {
    absl::MutexLock lock(&mu_);
    auto it = channels_.find(service);
    if (it == channels_.end()) {
      return absl::UnavailableError(service + " is not reachable yet; retry");
    }
    return Service::NewStub(it->second);
  }

  // The token this process presents to services in other processes (a
  // service:<name> caller); none is needed in process.
  void SetServiceToken(std::string token) {
    absl::MutexLock lock(&mu_);
    service_token_ = std::move(token);
  }

  // A client context for a call on behalf of `parent` (null for a call of
  // the process's own): the parent's deadline capped at `timeout` from now,
  // the service token if there is one, and the trace of the call this
  // thread serves (CurrentTrace), if any.
  std::unique_ptr<grpc::ClientContext> CallContext(const grpc::ServerContext* parent,
                                                   absl::Duration timeout) const {
    auto context = std::make_unique<grpc::ClientContext>();
    absl::Time deadline = absl::Now() + timeout;
    if (parent != nullptr) deadline = std::min(deadline, absl::FromChrono(parent->deadline()));
    context->set_deadline(absl::ToChronoTime(deadline));
    if (const TraceContext* trace = CurrentTrace()) {
      context->AddMetadata(kTraceparentHeader, trace->Traceparent());
    }
    absl::MutexLock lock(&mu_);
    if (!service_token_.empty()) context->AddMetadata("authorization", "Bearer " + service_token_);
    return context;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
  std::string service_token_ ABSL_GUARDED_BY(mu_);
};

}  // namespace screening
