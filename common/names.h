// Resource names (AIP-122): `residents/42`, `hospitals/HRB001`, ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace screening {

// The numeric id in `{collection}/{id}`, e.g. ParseNumericName("slots", "slots/7") == 7.
std::optional<int64_t> ParseNumericName(absl::string_view collection, absl::string_view name);

// The id in `{collection}/{id}` when it is 1-64 characters of [A-Za-z0-9_-].
std::optional<std::string> ParseStringName(absl::string_view collection, absl::string_view name);

std::string MakeName(absl::string_view collection, int64_t id);
std::string MakeName(absl::string_view collection, absl::string_view id);

// A hospital code: 2 to 32 characters of A-Z, 0-9, '-' and '_'.
bool IsHospitalCode(absl::string_view code);

// The length of UTF-8 text in characters (code points), so that a Chinese
// name's length is what a person counts.
size_t Utf8Length(absl::string_view text);

// A request_id is 1 to 64 printable ASCII characters.
bool IsValidRequestId(absl::string_view request_id);

// An outbox offset, `{xid}:{seq}` (a commit's transaction id and the row's
// sequence): the parts, or nullopt when malformed.
std::optional<std::pair<std::string, int64_t>> ParseOutboxOffset(absl::string_view offset);

}  // namespace screening
