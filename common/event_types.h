// Outbox event types: the API's enum and the name stored in each service's
// outbox (`booking.created`, ...), which stays readable in the database.
//
//   e.set_type(EventTypeFromName(row[2].as<std::string>()));
#pragma once

#include "absl/strings/string_view.h"
#include "screening/v1/common.pb.h"

namespace screening {

// UNSPECIFIED for a name that is not an event type.
v1::OutboxEventType EventTypeFromName(absl::string_view name);
// "" for UNSPECIFIED.
absl::string_view EventTypeName(v1::OutboxEventType type);

}  // namespace screening
