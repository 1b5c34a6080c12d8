#include "common/names.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace screening {
namespace {

std::optional<absl::string_view> IdPart(absl::string_view collection, absl::string_view name) {
  if (name.size() <= collection.size() + 1 || name.substr(0, collection.size()) != collection ||
      name[collection.size()] != '/') {
    return std::nullopt;
  }
  return name.substr(collection.size() + 1);
}

}  // namespace

std::optional<int64_t> ParseNumericName(absl::string_view collection, absl::string_view name) {
  auto id = IdPart(collection, name);
  if (!id || id->size() > 18) return std::nullopt;
  for (char c : *id) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(*id, &value) || value <= 0) return std::nullopt;
  return value;
}

std::optional<std::string> ParseStringName(absl::string_view collection, absl::string_view name) {
  auto id = IdPart(collection, name);
  if (!id || id->size() > 64) return std::nullopt;
  for (char c : *id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  }
  return std::string(*id);
}

std::string MakeName(absl::string_view collection, int64_t id) {
  return absl::StrCat(collection, "/", id);
}
std::string MakeName(absl::string_view collection, absl::string_view id) {
  return absl::StrCat(collection, "/", id);
}

bool IsHospitalCode(absl::string_view code) {
  if (code.size() < 2 || code.size() > 32) return false;
  for (char c : code) {
    if (!(std::isupper(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

size_t Utf8Length(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

bool IsValidRequestId(absl::string_view request_id) {
  if (request_id.empty() || request_id.size() > 64) return false;
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::optional<std::pair<std::string, int64_t>> ParseOutboxOffset(absl::string_view offset) {
  std::vector<absl::string_view> parts = absl::StrSplit(offset, ':');
  if (parts.size() != 2 || parts[0].empty() || parts[0].size() > 20) return std::nullopt;
  for (char c : parts[0]) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int64_t seq = 0;
  if (!absl::SimpleAtoi(parts[1], &seq) || seq < 0) return std::nullopt;
  return std::make_pair(std::string(parts[0]), seq);
}

}  // namespace screening
