// The Connect protocol's wire rules (connectrpc.com/docs/protocol), as pure
// functions: how a gRPC status becomes an HTTP status and a Connect JSON
// error (with its google.rpc details), and the 5-byte envelopes of a
// streaming body. The HTTP face (http_face.h) does the I/O.
//
//   std::string body = ConnectErrorJson(status);   // {"code":"invalid_argument",...}
//   int http = HttpStatusFor(status.error_code());  // 400
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <grpcpp/support/status.h>

#include "absl/strings/string_view.h"

namespace screening::console {

// Connect's name of a code: "invalid_argument", "unavailable", ...
absl::string_view ConnectCodeName(grpc::StatusCode code);

// The HTTP status a unary error answers with (Connect's table: 400, 401,
// 403, 404, 409, 429, 499, 500, 501, 503, 504).
int HttpStatusFor(grpc::StatusCode code);

// The error as Connect's JSON: {"code", "message", "details": [{"type",
// "value" (base64 of the detail's bytes), "debug" (the detail as JSON)}]},
// the details from the google.rpc.Status in the gRPC status, if any.
std::string ConnectErrorJson(const grpc::Status& status);

// An envelope: flags (1 byte), the length (4 bytes, big-endian), the bytes.
inline constexpr uint8_t kEndStreamFlag = 0x02;
inline constexpr uint8_t kCompressedFlag = 0x01;
std::string Envelope(uint8_t flags, absl::string_view payload);

struct ParsedEnvelope {
  uint8_t flags;
  std::string payload;
};
// The first envelope of `body`; nullopt when it is truncated or longer than
// `max_payload`.
std::optional<ParsedEnvelope> ParseEnvelope(absl::string_view body, size_t max_payload);

// The end of a stream: `{}` when it ended well, else {"error": <as above>}.
std::string EndStreamJson(const grpc::Status& status);

}  // namespace screening::console
