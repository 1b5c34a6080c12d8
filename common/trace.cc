#include "common/trace.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace screening {
namespace {

thread_local const TraceContext* t_current = nullptr;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

// Random ids: unguessable enough to not collide, not secrets.
std::string RandomHex(int bytes) {
  thread_local absl::InsecureBitGen bits;
  std::string out;
  do {
    out.clear();
    for (int i = 0; i < bytes; i += 8) {
      absl::StrAppendFormat(&out, "%016x", absl::Uniform<uint64_t>(bits));
    }
    out.resize(bytes * 2);
  } while (AllZero(out));
  return out;
}

}  // namespace

std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kLength = 55;
  if (header.size() < kLength) return std::nullopt;
  const absl::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append fields
  // after another '-'.
  if (version == "00" ? header.size() != kLength
                      : header.size() > kLength && header[kLength] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  ParsedTraceparent parsed{std::string(header.substr(3, 32)), std::string(header.substr(36, 16)),
                           false};
  const absl::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(parsed.trace_id) || !IsLowerHex(parsed.parent_id) || !IsLowerHex(flags) ||
      AllZero(parsed.trace_id) || AllZero(parsed.parent_id)) {
    return std::nullopt;
  }
  const int flag_bits = (flags[1] >= 'a' ? flags[1] - 'a' + 10 : flags[1] - '0');
  parsed.sampled = (flag_bits & 1) != 0;
  return parsed;
}

TraceContext TraceContext::Start(bool sampled) {
  return TraceContext{RandomHex(16), RandomHex(8), sampled};
}

TraceContext TraceContext::Continue(absl::string_view traceparent) {
  std::optional<ParsedTraceparent> parent = ParseTraceparent(traceparent);
  if (!parent) return Start();
  return TraceContext{std::move(parent->trace_id), RandomHex(8), parent->sampled};
}

TraceContext BatchTrace(const std::vector<std::string>& trace_ids) {
  const bool shared = !trace_ids.empty() && !trace_ids[0].empty() &&
                      std::all_of(trace_ids.begin(), trace_ids.end(),
                                  [&](const std::string& id) { return id == trace_ids[0]; });
  if (!shared) return TraceContext::Start();
  return TraceContext{trace_ids[0], RandomHex(8), true};
}

std::string TraceContext::Traceparent() const {
  return absl::StrCat("00-", trace_id, "-", span_id, sampled ? "-01" : "-00");
}

const TraceContext* CurrentTrace() { return t_current; }

std::string CurrentTraceId() { return t_current != nullptr ? t_current->trace_id : std::string(); }

ScopedTrace::ScopedTrace(const TraceContext& trace) : trace_(trace), previous_(t_current) {
  t_current = &trace_;
}

ScopedTrace::~ScopedTrace() { t_current = previous_; }

}  // namespace screening
