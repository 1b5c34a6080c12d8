// Resource names (AIP-122): `residents/42`, `hospitals/HRB001`, ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace screening {

// The numeric id in `{collection}/{id}`, e.g. ParseNumericName("slots", "slots/7") == 7.
std::optional<int64_t> ParseNumericName(absl::string_view collection, absl::string_view name);

// The id in `{collection}/{id}` when it is 1-64 characters of [A-Za-z0-9_-].
std::optional<std::string> ParseStringName(absl::string_view collection, absl::string_view name);

std::string MakeName(absl::string_view collection, int64_t id);
std::string MakeName(absl::string_view collection, absl::string_view id);

// A request_id is 1 to 64 printable ASCII characters.
bool IsValidRequestId(absl::string_view request_id);

}  // namespace screening
