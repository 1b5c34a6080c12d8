#include "common/event_types.h"

#include <gtest/gtest.h>

namespace screening {
namespace {

TEST(EventTypes, EveryTypeHasOneNameAndBack) {
  const auto* descriptor = internal::v1::OutboxEventType_descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto type = static_cast<internal::v1::OutboxEventType>(descriptor->value(i)->number());
    if (type == internal::v1::OUTBOX_EVENT_TYPE_UNSPECIFIED) continue;
    const absl::string_view name = EventTypeName(type);
    EXPECT_FALSE(name.empty()) << descriptor->value(i)->name();
    EXPECT_EQ(EventTypeFromName(name), type) << name;
  }
  EXPECT_EQ(EventTypeFromName("booking.made"), internal::v1::OUTBOX_EVENT_TYPE_UNSPECIFIED);
  EXPECT_EQ(EventTypeName(internal::v1::OUTBOX_EVENT_TYPE_UNSPECIFIED), "");
}

}  // namespace
}  // namespace screening
