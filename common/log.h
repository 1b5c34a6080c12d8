// Structured logs through spdlog: one line per event, a message and named
// fields. JSON (one object per line, for a collector) or plain text (for a
// person at a terminal). Lines go through a background thread, so a call
// pays for formatting its line, not for writing it.
//
//   logs::Info("call").Str("method", method).Str("code", "OK").Num("ms", 1.5);
//
// The line is written when the expression ends. Never put personal data in
// a field (names, ID numbers, phones, addresses, results) nor a secret (a
// token, a password, a key): logs leave the process and are kept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace spdlog::sinks {
class sink;
}

namespace screening::logs {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// "debug", "info", "warn", "error" or "off".
absl::StatusOr<Level> ParseLevel(absl::string_view name);
// "json", "text", or "auto": text when `terminal`, JSON otherwise.
absl::StatusOr<Format> ParseFormat(absl::string_view name, bool terminal);

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  // Where lines go: stderr when null (tests pass their own sink).
  std::shared_ptr<spdlog::sinks::sink> sink;
  // Through a background thread (the server), or written by the caller
  // (tests, which read the sink right after).
  bool background = true;
};

// Sends every line from now on as `options` say. Until it is called, lines
// of warnings and errors go to stderr as text (tools and tests).
void Configure(const Options& options);
// Writes every queued line (before the process exits).
void Flush();

bool Enabled(Level level);

// One line: its fields are added in order, and it is written when the
// Line is destroyed. When its level is off, adding costs nothing.
class Line {
 public:
  Line(Level level, absl::string_view message);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& Str(absl::string_view key, absl::string_view value);
  Line& Int(absl::string_view key, int64_t value);
  Line& Num(absl::string_view key, double value);
  Line& Bool(absl::string_view key, bool value);
  Line& List(absl::string_view key, const std::vector<std::string>& values);

 private:
  void Key(absl::string_view key);
  const bool on_;
  const Level level_;
  Format format_;
  fmt::memory_buffer payload_;
};

inline Line Debug(absl::string_view message) { return Line(Level::kDebug, message); }
inline Line Info(absl::string_view message) { return Line(Level::kInfo, message); }
inline Line Warn(absl::string_view message) { return Line(Level::kWarn, message); }
inline Line Error(absl::string_view message) { return Line(Level::kError, message); }

// A database URL fit for a log: any password taken out, in both libpq
// forms ("postgresql://user:secret@host/db?password=..." and
// "host=... password=...").
std::string RedactDatabaseUrl(absl::string_view url);

}  // namespace screening::logs
