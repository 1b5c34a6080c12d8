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

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace screening {

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

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

// A client context for a call to another service: a deadline, and the
// caller's own deadline if that is sooner.
inline void PrepareInternalCall(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace screening
