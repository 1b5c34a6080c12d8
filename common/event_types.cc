#include "common/event_types.h"

#include <utility>

namespace screening {
namespace {

constexpr std::pair<v1::OutboxEventType, absl::string_view> kNames[] = {
    {v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED, "booking.created"},
    {v1::OUTBOX_EVENT_TYPE_BOOKING_PROMOTED, "booking.promoted"},
    {v1::OUTBOX_EVENT_TYPE_BOOKING_CANCELLED, "booking.cancelled"},
    {v1::OUTBOX_EVENT_TYPE_BOOKING_RESCHEDULED, "booking.rescheduled"},
    {v1::OUTBOX_EVENT_TYPE_BOOKING_CHECKED_IN, "booking.checked_in"},
    {v1::OUTBOX_EVENT_TYPE_BOOKING_NO_SHOW, "booking.no_show"},
    {v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED, "result.recorded"},
    {v1::OUTBOX_EVENT_TYPE_RESULT_SAMPLE_FAILED, "result.sample_failed"},
    {v1::OUTBOX_EVENT_TYPE_RESULT_AMENDED, "result.amended"},
    {v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED, "referral.opened"},
    {v1::OUTBOX_EVENT_TYPE_REFERRAL_COMPLETED, "referral.completed"},
    {v1::OUTBOX_EVENT_TYPE_REFERRAL_WITHDRAWN, "referral.withdrawn"},
    {v1::OUTBOX_EVENT_TYPE_REFERRAL_OVERDUE, "referral.overdue"},
};

}  // namespace

v1::OutboxEventType EventTypeFromName(absl::string_view name) {
  for (const auto& [type, known] : kNames) {
    if (known == name) return type;
  }
  return v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
}

absl::string_view EventTypeName(v1::OutboxEventType type) {
  for (const auto& [known, name] : kNames) {
    if (known == type) return name;
  }
  return "";
}

}  // namespace screening
