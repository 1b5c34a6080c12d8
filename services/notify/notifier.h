// Tells residents what happened, on a thread of its own: reads the
// scheduling and results outboxes through their internal APIs and stores one
// message per event (NotifyStore), queues tomorrow's reminders, and sends
// what is due through the SMS gateway with retries. Every replica may run
// one: the offset row lock lets one batch be planned at a time, event keys
// are unique, and a message is claimed by one sender at a time.
#pragma once

#include <map>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/peers.h"
#include "services/notify/notify_store.h"
#include "services/notify/sms_gateway.h"

namespace screening::notify {

struct NotifierOptions {
  absl::Duration poll_interval = absl::Seconds(1);
  // A failed try is repeated after retry_base, doubling, at most retry_cap;
  // after max_attempts tries the message is FAILED.
  absl::Duration retry_base = absl::Seconds(5);
  absl::Duration retry_cap = absl::Minutes(10);
  int max_attempts = 8;
  // How long a claimed message is kept from other senders.
  absl::Duration lease = absl::Minutes(1);
  // Reminders for tomorrow's visits are queued from this hour (Harbin) on,
  // so nobody is woken by one.
  int reminder_hour = 8;
};

class Notifier {
 public:
  // `gateway` null: messages are made and kept PENDING, none is sent.
  Notifier(NotifyStore& store, const Peers& peers, const Clock& clock, SmsGatewayConfig templates,
           HttpSmsGateway* gateway, NotifierOptions options);
  ~Notifier();  // stops the thread

  void Start();
  void Stop();

  // One round of each step; the thread calls these, tests may too.
  // Reads every waiting event of both outboxes; returns how many.
  absl::StatusOr<int> ConsumeEvents();
  // Queues the reminders of tomorrow's visits not yet reminded; returns how many.
  absl::StatusOr<int> QueueReminders();
  // Sends what is due, until nothing is; returns how many were tried.
  absl::StatusOr<int> SendDue();

 private:
  void Run();
  absl::StatusOr<PlannedBatch> PlanBookingEvents(const std::string& after);
  absl::StatusOr<PlannedBatch> PlanResultEvents(const std::string& after);
  // The hospital's display name (its code if the scheduling service does
  // not know it); names are read once and kept.
  std::string HospitalName(const std::string& hospital);
  PlannedNotification Plan(std::string event_key, int64_t resident_id, std::string district_code,
                           v1::NotificationKind kind, int64_t booking_id, Params params) const;

  NotifyStore& store_;
  const Peers& peers_;
  const Clock& clock_;
  const SmsGatewayConfig templates_;
  HttpSmsGateway* const gateway_;
  const NotifierOptions options_;
  absl::Mutex hospitals_mu_;
  std::map<std::string, std::string> hospital_names_ ABSL_GUARDED_BY(hospitals_mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace screening::notify
