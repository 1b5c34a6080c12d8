// The notifier's SQL, in the `notify` schema: the messages and their
// delivery, where each outbox has been read up to, and the visits still to
// come (for the reminder the day before).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/db.h"
#include "screening/v1/notifications.pb.h"
#include "services/notify/messages.h"

namespace screening::notify {

// A message to store: what caused it, to whom, and what it says.
struct PlannedNotification {
  std::string event_key;  // unique: the same event never makes two
  int64_t resident_id = 0;
  std::string district_code;
  v1::NotificationKind kind = v1::NOTIFICATION_KIND_UNSPECIFIED;
  int64_t booking_id = 0;  // 0: not about a booking
  std::string template_id;
  Params params;
  std::string text;
  std::string visit_date;  // YYYY-MM-DD of the visit it is about; "" for none
};

// A visit as the booking events leave it.
struct Visit {
  int64_t booking_id = 0;
  int64_t resident_id = 0;
  std::string district_code;
  std::string date;  // YYYY-MM-DD
  Params params;     // VisitParams
  bool active = true;
};

// What one batch of events gives.
struct PlannedBatch {
  int events = 0;           // how many events were read (0: none waiting)
  std::string last_offset;  // the last event's offset
  std::vector<PlannedNotification> notifications;
  std::vector<Visit> visits;
};

// A message claimed for sending.
struct DueNotification {
  int64_t id = 0;
  int64_t resident_id = 0;
  v1::NotificationKind kind = v1::NOTIFICATION_KIND_UNSPECIFIED;
  std::string template_id;
  Params params;
  std::string text;
  int attempts = 0;        // tries before this one
  std::string visit_date;  // YYYY-MM-DD; "" when not about a visit
};

class NotifyStore {
 public:
  explicit NotifyStore(db::Pool& pool);

  // Whether this replica runs the notifier's round (one a round across
  // replicas; common/task_rounds.h).
  absl::StatusOr<bool> ClaimNotifierRound(absl::Duration interval);

  // Messages waiting to be sent (for the metrics).
  absl::StatusOr<int64_t> CountPending();

  // In one transaction: locks the consumer's offset, lets `plan` read and
  // plan the events after it, stores the messages (an event key already
  // stored is skipped) and the visits, and moves the offset. Returns how
  // many events were read.
  using Planner = std::function<absl::StatusOr<PlannedBatch>(const std::string& after)>;
  absl::StatusOr<int> ConsumeBatch(const std::string& consumer, const Planner& plan);

  // Active visits on `date` with no reminder for that date yet, at most `limit`.
  absl::StatusOr<std::vector<Visit>> VisitsToRemind(absl::CivilDay date, int limit);

  // Stores messages; an event key already stored is skipped. Returns how
  // many were new.
  absl::StatusOr<int> Enqueue(const std::vector<PlannedNotification>& notifications);

  // Claims up to `limit` pending messages that are due, oldest first, by
  // pushing their next try `lease` ahead: another sender skips them, and a
  // sender that dies leaves them to be tried again after the lease.
  absl::StatusOr<std::vector<DueNotification>> ClaimDue(int limit, absl::Duration lease);

  // A try: SENT, or FAILED for good; counts the attempt.
  absl::Status RecordAttempt(int64_t id, v1::NotificationStatus final_status,
                             const std::string& error);
  // A failed try to repeat after `delay`.
  absl::Status RecordRetry(int64_t id, absl::Duration delay, const std::string& error);
  // Final without a try: DECLINED or NO_PHONE.
  absl::Status RecordSkipped(int64_t id, v1::NotificationStatus final_status);

  // A resident's messages with ids below `before_id` (0: from the newest),
  // newest first; one more than `limit` tells the caller another page
  // follows. `district_code` is each row's resident district.
  struct Listed {
    v1::Notification notification;
    std::string district_code;
  };
  absl::StatusOr<std::vector<Listed>> ListForResident(int64_t resident_id, int64_t before_id,
                                                      int limit);

  // Counts by status, for tests and operators: status → count.
  absl::StatusOr<std::map<v1::NotificationStatus, int64_t>> CountByStatus();

 private:
  void Insert(pqxx::work& tx, const std::vector<PlannedNotification>& notifications, int* added);
  db::Pool& pool_;
};

}  // namespace screening::notify
