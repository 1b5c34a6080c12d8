// Outbox event types: the internal API's enum and the name stored in each service's
// outbox (`booking.created`, ...), which stays readable in the database.
//
//   e.set_type(EventTypeFromName(row[2].as<std::string>()));
#pragma once

#include "absl/strings/string_view.h"
#include "screening/internal/v1/events.pb.h"

namespace screening {

// UNSPECIFIED for a name that is not an event type.
internal::v1::OutboxEventType EventTypeFromName(absl::string_view name);
// "" for UNSPECIFIED.
absl::string_view EventTypeName(internal::v1::OutboxEventType type);

}  // namespace screening
