// W3C Trace Context (https://www.w3.org/TR/trace-context/): the
// `traceparent` a caller sends ("00-<trace id>-<parent span id>-<flags>"),
// or one started here when it sends none. Every call gets its own span in
// the caller's trace; calls this process makes on its behalf (peer calls,
// in process or across processes) carry the trace on, and the logs and the
// outbox events name it, so that one booking can be followed from the
// clinic's call to the event that counted it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace screening {

// The header's name, in gRPC metadata and in HTTP.
inline constexpr char kTraceparentHeader[] = "traceparent";

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, not all zero
  std::string span_id;   // 16 lowercase hex digits, not all zero: this call's span
  bool sampled = false;

  // A new trace, with this process's first span in it. `sampled` false for
  // a background poll: the in-process calls it makes are logged at debug
  // unless they fail, so that an idle server's polls do not fill the logs.
  static TraceContext Start(bool sampled = true);
  // The span of a call whose caller sent `traceparent`: the same trace
  // (and sampling) with a new span; a new trace when the header is absent
  // or malformed (as the specification says a receiver must do).
  static TraceContext Continue(absl::string_view traceparent);
  // The header this span sends to the calls it makes.
  std::string Traceparent() const;
};

// The span of work done at once for calls of several traces (a batch): in
// their trace when they share one, else in a new trace, which the batch's
// log line links to theirs (as OpenTelemetry's span links do).
TraceContext BatchTrace(const std::vector<std::string>& trace_ids);

// The parts of a `traceparent` a receiver can use: nullopt when it is
// malformed. Versions above 00 are read as 00 (the specification's
// forward compatibility); version ff is invalid.
struct ParsedTraceparent {
  std::string trace_id, parent_id;
  bool sampled;
};
std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view header);

// The trace of the call the current thread serves, or null. The call gate
// sets it for a handler's thread, as it does the call's deadline.
const TraceContext* CurrentTrace();
// The trace id of CurrentTrace(), or "" outside a call.
std::string CurrentTraceId();

// Sets the current thread's trace until destroyed.
class ScopedTrace {
 public:
  explicit ScopedTrace(const TraceContext& trace);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  TraceContext trace_;
  const TraceContext* previous_;
};

}  // namespace screening
