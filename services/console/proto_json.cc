#include "services/console/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace screening::console {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using nlohmann::json;

nlohmann::json MessageValue(const Message& message);

// NaN and the infinities are strings in proto3 JSON; other numbers are numbers.
json Floating(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// A float as the double its shortest decimal names, so that 0.1f is written
// 0.1 as protobuf writes it, not 0.10000000149011612.
double ShortestFloat(float value) {
  char text[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtof(text, nullptr) == value) break;
  }
  return std::strtod(text, nullptr);
}

// Field `field` of `message` (element `index` when repeated, else -1).
json FieldValue(const Message& message, const FieldDescriptor& field, int index) {
  const Reflection& r = *message.GetReflection();
  const bool one = index < 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return one ? r.GetInt32(message, &field) : r.GetRepeatedInt32(message, &field, index);
    case FieldDescriptor::CPPTYPE_UINT32:
      return one ? r.GetUInt32(message, &field) : r.GetRepeatedUInt32(message, &field, index);
    case FieldDescriptor::CPPTYPE_INT64:  // 64-bit integers are strings: JavaScript's numbers hold
                                          // 53 bits
      return absl::StrCat(one ? r.GetInt64(message, &field)
                              : r.GetRepeatedInt64(message, &field, index));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(one ? r.GetUInt64(message, &field)
                              : r.GetRepeatedUInt64(message, &field, index));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Floating(one ? r.GetDouble(message, &field)
                          : r.GetRepeatedDouble(message, &field, index));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Floating(ShortestFloat(one ? r.GetFloat(message, &field)
                                        : r.GetRepeatedFloat(message, &field, index)));
    case FieldDescriptor::CPPTYPE_BOOL:
      return one ? r.GetBool(message, &field) : r.GetRepeatedBool(message, &field, index);
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number =
          one ? r.GetEnumValue(message, &field) : r.GetRepeatedEnumValue(message, &field, index);
      if (field.enum_type()->full_name() == "google.protobuf.NullValue") return nullptr;
      const auto* value = field.enum_type()->FindValueByNumber(number);
      if (value == nullptr) return number;  // a number this build does not name
      return value->name();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text =
          one ? r.GetStringReference(message, &field, &scratch)
              : r.GetRepeatedStringReference(message, &field, index, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) return absl::Base64Escape(text);
      return text;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(one ? r.GetMessage(message, &field)
                              : r.GetRepeatedMessage(message, &field, index));
  }
  return nullptr;
}

// A map's key as its JSON object key.
std::string MapKey(const Message& entry) {
  const FieldDescriptor& key = *entry.GetDescriptor()->map_key();
  const json value = FieldValue(entry, key, -1);
  if (value.is_string()) return value.get<std::string>();
  return value.dump();  // integers and booleans
}

json MessageValue(const Message& message) {
  const auto* descriptor = message.GetDescriptor();
  // The well-known types have JSON forms of their own (a Timestamp is an
  // RFC 3339 string, a FieldMask a list of paths): protobuf writes those.
  if (descriptor->file()->package() == "google.protobuf") {
    std::string text;
    if (!google::protobuf::util::MessageToJsonString(message, &text).ok()) return nullptr;
    return json::parse(text, nullptr, false);
  }
  const Reflection& r = *message.GetReflection();
  json object = json::object();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor& field = *descriptor->field(i);
    const std::string& name = field.json_name();
    if (field.is_map()) {
      json entries = json::object();
      for (int k = 0; k < r.FieldSize(message, &field); ++k) {
        const Message& entry = r.GetRepeatedMessage(message, &field, k);
        entries[MapKey(entry)] = FieldValue(entry, *field.message_type()->map_value(), -1);
      }
      object[name] = std::move(entries);
    } else if (field.is_repeated()) {
      json items = json::array();
      for (int k = 0; k < r.FieldSize(message, &field); ++k) {
        items.push_back(FieldValue(message, field, k));
      }
      object[name] = std::move(items);
    } else if (!field.has_presence() || r.HasField(message, &field)) {
      // Fields with presence (messages, oneof members, `optional`) only
      // when set; the rest always.
      object[name] = FieldValue(message, field, -1);
    }
  }
  return object;
}

}  // namespace

std::string ProtoToJson(const Message& message) {
  return MessageValue(message).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace screening::console
