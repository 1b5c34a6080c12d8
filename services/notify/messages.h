// What residents are told, in Chinese: the message of each kind of
// notification, made from template parameters that never hold a result or
// an ID number. Pure functions; the notifier fills the parameters from the
// events and the bookings.
//
//   auto params = VisitParams({.hospital = "道里区医院", .date = "2025-03-05", ...});
//   std::string text = RenderText(v1::NOTIFICATION_KIND_BOOKING_CONFIRMED, params);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "screening/internal/v1/events.pb.h"
#include "screening/v1/common.pb.h"
#include "screening/v1/notifications.pb.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::notify {

using Params = std::map<std::string, std::string>;

// "booking_confirmed", "visit_reminder", ...: the kind's name in the
// configuration of template ids and in logs.
std::string KindName(v1::NotificationKind kind);

// What a booking message says about the visit.
struct VisitFacts {
  std::string hospital;  // the hospital's display name
  std::string date;      // YYYY-MM-DD
  v1::Session session = v1::SESSION_UNSPECIFIED;
  std::vector<v1::ScreeningType> screenings;
  std::string verification_code;
};

// The parameters of a visit's messages: date (3月5日), session (上午),
// hospital, screenings (四高、胃癌), code and preparation.
Params VisitParams(const VisitFacts& visit);

// What to do before the visit: fasting for blood tests (four highs,
// gastric), the stool sample kit for colorectal (FIT). Empty if nothing.
std::string PreparationAdvice(const std::vector<v1::ScreeningType>& screenings);

// The screening's name as residents know it: 四高, 胃癌, 结直肠癌, 无创产前基因检测.
std::string ScreeningNameZh(v1::ScreeningType type);

// The message of `kind` with `params` filled in. Every message starts with
// the programme's signature.
std::string RenderText(v1::NotificationKind kind, const Params& params);

// The notification an outbox event gives, if any: bookings made, moved,
// cancelled or promoted from the waitlist; results recorded; referrals
// opened or overdue. Check-ins, no-shows, amendments and the rest give none.
std::optional<v1::NotificationKind> KindOfEvent(internal::v1::OutboxEventType type);

// How long to wait before try `attempt` + 1 after `attempt` tries failed:
// `base` doubled each time, at most `cap`.
absl::Duration RetryDelay(int attempts, absl::Duration base, absl::Duration cap);

}  // namespace screening::notify
