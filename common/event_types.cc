#include "common/event_types.h"

#include <utility>

namespace screening {
namespace {

constexpr std::pair<internal::v1::OutboxEventType, absl::string_view> kNames[] = {
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CREATED, "booking.created"},
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_PROMOTED, "booking.promoted"},
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CANCELLED, "booking.cancelled"},
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_RESCHEDULED, "booking.rescheduled"},
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_CHECKED_IN, "booking.checked_in"},
    {internal::v1::OUTBOX_EVENT_TYPE_BOOKING_NO_SHOW, "booking.no_show"},
    {internal::v1::OUTBOX_EVENT_TYPE_RESULT_RECORDED, "result.recorded"},
    {internal::v1::OUTBOX_EVENT_TYPE_RESULT_SAMPLE_FAILED, "result.sample_failed"},
    {internal::v1::OUTBOX_EVENT_TYPE_RESULT_AMENDED, "result.amended"},
    {internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OPENED, "referral.opened"},
    {internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_COMPLETED, "referral.completed"},
    {internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_WITHDRAWN, "referral.withdrawn"},
    {internal::v1::OUTBOX_EVENT_TYPE_REFERRAL_OVERDUE, "referral.overdue"},
};

}  // namespace

internal::v1::OutboxEventType EventTypeFromName(absl::string_view name) {
  for (const auto& [type, known] : kNames) {
    if (known == name) return type;
  }
  return internal::v1::OUTBOX_EVENT_TYPE_UNSPECIFIED;
}

absl::string_view EventTypeName(internal::v1::OutboxEventType type) {
  for (const auto& [known, name] : kNames) {
    if (known == type) return name;
  }
  return "";
}

}  // namespace screening
