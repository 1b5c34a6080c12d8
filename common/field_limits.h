// Limits on every string a request carries, checked by the gate before any
// handler runs, so that no oversized or control-laden value reaches a
// handler, an index or an error message. The limits are the API's
// (common.proto states them): a field's own comment may say less, which
// its handler checks.
//
//   RETURN_IF_ERROR(CheckFieldLimits(request));  // INVALID_ARGUMENT naming each field
#pragma once

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace screening {

struct StringLimit {
  size_t max_chars;  // Unicode characters
  bool multiline;    // line breaks and tabs allowed (free-text notes)
};

// The limit of a string field by its name: request_id 64, id_number and
// phone 32, full_name 64, reason 500, note 1000 (multi-line), page_token 256,
// any other 128. Map keys: 64.
StringLimit LimitOfField(absl::string_view field_name);

// OK when `text` fits `limit`: not too long, and no control characters (C0,
// DEL, C1) but, where multi-line text is allowed, line breaks and tabs.
// Otherwise why not, as a sentence that never repeats the value.
absl::Status CheckString(absl::string_view text, StringLimit limit);

// Walks every string of `message` (nested messages, repeated fields and maps
// included) and checks it against its field's limit. INVALID_ARGUMENT with a
// google.rpc.BadRequest naming each bad field by its path, e.g.
// `resident.full_name` or `rows[3].resident.phone`; `prefix` is put before
// every path.
absl::Status CheckFieldLimits(const google::protobuf::Message& message,
                              absl::string_view prefix = "");

}  // namespace screening
