#include "common/log.h"

#include <atomic>
#include <cmath>
#include <mutex>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace screening::logs {
namespace {

constexpr size_t kQueuedLines = 16384;
constexpr char kJsonPattern[] = R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})";
constexpr char kTextPattern[] = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v";

// What Configure set. Lines read these on every call, so they are atomics;
// a logger once installed is kept for the process's life (a line being
// written while another Configure runs must not lose it).
std::atomic<Level> g_level{Level::kWarn};
std::atomic<Format> g_format{Format::kText};
std::atomic<spdlog::logger*> g_logger{nullptr};
std::mutex g_loggers_mu;
std::vector<std::shared_ptr<spdlog::logger>> g_loggers;  // guarded by g_loggers_mu

spdlog::level::level_enum SpdLevel(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      break;
  }
  return spdlog::level::off;
}

void Install(std::shared_ptr<spdlog::logger> logger, Level level, Format format) {
  logger->set_level(SpdLevel(level));
  std::lock_guard<std::mutex> lock(g_loggers_mu);
  g_loggers.push_back(logger);
  g_format = format;
  g_logger = logger.get();
  g_level = level;
}

// Before Configure: warnings and errors as text on stderr.
spdlog::logger* Logger() {
  spdlog::logger* logger = g_logger.load();
  if (logger != nullptr) return logger;
  static std::once_flag once;
  std::call_once(once, [] {
    if (g_logger.load() != nullptr) return;
    auto fallback = std::make_shared<spdlog::logger>(
        "screening", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    fallback->set_pattern(kTextPattern);
    Install(fallback, Level::kWarn, Format::kText);
  });
  return g_logger.load();
}

void AppendJsonString(fmt::memory_buffer& out, absl::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out.append(absl::string_view("\\\""));
        break;
      case '\\':
        out.append(absl::string_view("\\\\"));
        break;
      case '\n':
        out.append(absl::string_view("\\n"));
        break;
      case '\r':
        out.append(absl::string_view("\\r"));
        break;
      case '\t':
        out.append(absl::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// Plain text: bare when it reads as one word, quoted (as JSON) otherwise.
void AppendTextValue(fmt::memory_buffer& out, absl::string_view text) {
  const bool bare = !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '=' || c == '\\';
  });
  if (bare) {
    out.append(text);
  } else {
    AppendJsonString(out, text);
  }
}

}  // namespace

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  if (lower == "off") return Level::kOff;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_level: '", name, "' is not one of debug, info, warn, error, off"));
}

absl::StatusOr<Format> ParseFormat(absl::string_view name, bool terminal) {
  if (name == "json") return Format::kJson;
  if (name == "text") return Format::kText;
  if (name == "auto") return terminal ? Format::kText : Format::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_format: '", name, "' is not one of auto, json, text"));
}

void Configure(const Options& options) {
  std::shared_ptr<spdlog::sinks::sink> sink = options.sink;
  if (!sink) {
    if (options.format == Format::kText) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
  }
  std::shared_ptr<spdlog::logger> logger;
  if (options.background) {
    static std::once_flag pool_once;
    // A full queue makes the caller wait rather than drop lines.
    std::call_once(pool_once, [] { spdlog::init_thread_pool(kQueuedLines, 1); });
    logger = std::make_shared<spdlog::async_logger>("screening", sink, spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::block);
  } else {
    logger = std::make_shared<spdlog::logger>("screening", sink);
  }
  if (options.format == Format::kJson) {
    logger->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(kJsonPattern, spdlog::pattern_time_type::utc));
  } else {
    logger->set_pattern(kTextPattern);
  }
  Install(std::move(logger), options.level, options.format);
}

void Flush() {
  spdlog::logger* logger = Logger();
  logger->flush();
  // An asynchronous logger's flush is queued behind its lines: wait for the
  // queue to empty.
  if (dynamic_cast<spdlog::async_logger*>(logger) != nullptr) {
    for (int i = 0; i < 2000 && spdlog::thread_pool()->queue_size() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

bool Enabled(Level level) { return level != Level::kOff && level >= g_level.load(); }

Line::Line(Level level, absl::string_view message)
    : on_(Enabled(level)), level_(level), format_(g_format.load()) {
  if (!on_) return;
  if (format_ == Format::kJson) {
    payload_.append(absl::string_view("\"msg\":"));
    AppendJsonString(payload_, message);
  } else {
    payload_.append(message);
  }
}

Line::~Line() {
  if (!on_) return;
  Logger()->log(SpdLevel(level_), spdlog::string_view_t(payload_.data(), payload_.size()));
}

void Line::Key(absl::string_view key) {
  if (format_ == Format::kJson) {
    payload_.push_back(',');
    AppendJsonString(payload_, key);
    payload_.push_back(':');
  } else {
    payload_.push_back(' ');
    payload_.append(key);
    payload_.push_back('=');
  }
}

Line& Line::Str(absl::string_view key, absl::string_view value) {
  if (!on_) return *this;
  Key(key);
  if (format_ == Format::kJson) {
    AppendJsonString(payload_, value);
  } else {
    AppendTextValue(payload_, value);
  }
  return *this;
}

Line& Line::Int(absl::string_view key, int64_t value) {
  if (!on_) return *this;
  Key(key);
  fmt::format_to(std::back_inserter(payload_), "{}", value);
  return *this;
}

Line& Line::Num(absl::string_view key, double value) {
  if (!on_) return *this;
  Key(key);
  if (std::isfinite(value)) {
    fmt::format_to(std::back_inserter(payload_), "{:.3f}", value);
  } else {
    payload_.append(absl::string_view(format_ == Format::kJson ? "null" : "-"));
  }
  return *this;
}

Line& Line::Bool(absl::string_view key, bool value) {
  if (!on_) return *this;
  Key(key);
  payload_.append(absl::string_view(value ? "true" : "false"));
  return *this;
}

Line& Line::List(absl::string_view key, const std::vector<std::string>& values) {
  if (!on_) return *this;
  Key(key);
  if (format_ == Format::kJson) {
    payload_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) payload_.push_back(',');
      AppendJsonString(payload_, values[i]);
    }
    payload_.push_back(']');
  } else {
    AppendTextValue(payload_, absl::StrJoin(values, ","));
  }
  return *this;
}

std::string RedactDatabaseUrl(absl::string_view url) {
  std::string out(url);
  if (absl::StartsWith(url, "postgres://") || absl::StartsWith(url, "postgresql://")) {
    // The user's password in the authority: scheme://user:secret@host.
    const size_t authority = out.find("://") + 3;
    const size_t at = out.find('@', authority);
    const size_t slash = out.find('/', authority);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon, at - colon, ":***");
    }
    // And in the query: ?password=...&
    const size_t query = out.find('?');
    if (query != std::string::npos) {
      std::vector<std::string> params = absl::StrSplit(out.substr(query + 1), '&');
      for (std::string& p : params) {
        if (absl::StartsWith(p, "password=")) p = "password=***";
      }
      out = absl::StrCat(out.substr(0, query + 1), absl::StrJoin(params, "&"));
    }
    return out;
  }
  // Keyword form: words separated by spaces; a password's value may be
  // quoted, and is dropped whole.
  std::vector<std::string> words;
  size_t i = 0;
  while (i < out.size()) {
    while (i < out.size() && out[i] == ' ') ++i;
    if (i >= out.size()) break;
    size_t end = i;
    bool quoted = false;
    while (end < out.size() && (quoted || out[end] != ' ')) {
      if (out[end] == '\'') quoted = !quoted;
      if (out[end] == '\\') ++end;
      ++end;
    }
    std::string word = out.substr(i, end - i);
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(word), "password")) {
      word = "password=***";
    }
    words.push_back(std::move(word));
    i = end;
  }
  return absl::StrJoin(words, " ");
}

}  // namespace screening::logs
