#include "common/field_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace screening {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMapKeyChars = 64;

size_t Utf8Chars(absl::string_view text) {
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return chars;
}

// C0 controls, DEL, and C1 controls (U+0080-U+009F, encoded C2 80 - C2 9F).
bool HasControl(absl::string_view text, bool multiline) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (c < 0x20 || c == 0x7F) {
      if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
      return true;
    }
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

void Walk(const Message& message, const std::string& prefix, FieldViolations& bad);

void CheckValue(const FieldDescriptor* field, const Message& message, int index,
                const std::string& path, FieldViolations& bad) {
  const Reflection* r = message.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
      field->type() != FieldDescriptor::TYPE_BYTES) {
    std::string scratch;
    const std::string& text = index < 0
                                  ? r->GetStringReference(message, field, &scratch)
                                  : r->GetRepeatedStringReference(message, field, index, &scratch);
    if (absl::Status ok = CheckString(text, LimitOfField(field->name())); !ok.ok()) {
      bad.Add(path, std::string(ok.message()));
    }
  } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    Walk(index < 0 ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
         path, bad);
  }
}

void Walk(const Message& message, const std::string& prefix, FieldViolations& bad) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);  // only the fields that are set
  for (const FieldDescriptor* field : fields) {
    const std::string path =
        prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    if (field->is_map()) {
      // Entries are messages of (key, value): the key has its own limit, and
      // a bad one is never echoed in the path.
      const FieldDescriptor* key = field->message_type()->map_key();
      const FieldDescriptor* value = field->message_type()->map_value();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        const Message& entry = r->GetRepeatedMessage(message, field, i);
        std::string entry_path = path;
        if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          const std::string k = entry.GetReflection()->GetString(entry, key);
          if (absl::Status ok = CheckString(k, {kMapKeyChars, false}); !ok.ok()) {
            bad.Add(path, absl::StrCat("a key: ", ok.message()));
            continue;
          }
          entry_path = absl::StrCat(path, "[", k, "]");
        }
        CheckValue(value, entry, -1, entry_path, bad);
      }
    } else if (field->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        CheckValue(field, message, i, absl::StrCat(path, "[", i, "]"), bad);
      }
    } else {
      CheckValue(field, message, -1, path, bad);
    }
  }
}

}  // namespace

StringLimit LimitOfField(absl::string_view name) {
  if (name == "request_id") return {64, false};
  if (name == "id_number" || name == "phone") return {32, false};
  if (name == "full_name") return {64, false};
  if (name == "reason" || name == "correction_reason") return {500, false};
  if (name == "note") return {1000, true};
  if (name == "page_token") return {256, false};
  return {128, false};
}

absl::Status CheckString(absl::string_view text, StringLimit limit) {
  // Bytes first: no text has more characters than bytes.
  if (text.size() > limit.max_chars && Utf8Chars(text) > limit.max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat("is longer than ", limit.max_chars, " characters"));
  }
  if (HasControl(text, limit.multiline)) {
    return absl::InvalidArgumentError(
        limit.multiline ? "has control characters (only line breaks and tabs are allowed)"
                        : "has control characters (line breaks, escapes and the like)");
  }
  return absl::OkStatus();
}

absl::Status CheckFieldLimits(const Message& message, absl::string_view prefix) {
  FieldViolations bad;
  Walk(message, std::string(prefix), bad);
  return bad.ToStatus();
}

}  // namespace screening
