#include "services/console/progress_stream.h"

#include "services/console/connect_protocol.h"
#include "services/console/proto_json.h"

namespace screening::console {

void HttpProgressWatch::Offer(Update update) {
  absl::MutexLock lock(&mu_);
  waiting_ = std::move(update);
  changed_.Signal();
}

void HttpProgressWatch::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  changed_.Signal();
}

HttpProgressWatch::Update HttpProgressWatch::Next(absl::Duration wait, bool* closed) {
  absl::MutexLock lock(&mu_);
  const absl::Time until = absl::Now() + wait;
  while (!closed_ && waiting_ == nullptr) {
    if (changed_.WaitWithDeadline(&mu_, until)) break;
  }
  *closed = closed_;
  return std::move(waiting_);
}

std::shared_ptr<const std::string> UpdateEnvelopes::Of(const HttpProgressWatch::Update& update,
                                                       bool json) {
  // Under the lock, so that the connections woken by one update wait for
  // its one body rather than each making it.
  absl::MutexLock lock(&mu_);
  for (const Entry& entry : entries_) {
    if (entry.json == json && entry.update.lock() == update) return entry.envelope;
  }
  auto envelope = std::make_shared<const std::string>(
      Envelope(0, json ? ProtoToJson(*update) : update->SerializeAsString()));
  entries_.push_back({update, json, envelope});
  if (entries_.size() > kKept) entries_.pop_front();
  return envelope;
}

}  // namespace screening::console
