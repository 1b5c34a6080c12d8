// Messages as proto3 JSON (the mapping the Connect protocol speaks), with
// every field that has no presence written even when it holds its default,
// so that a browser reads 0, false, "" and [] rather than a gap.
//
// The answer is what protobuf's MessageToJsonString gives with
// always_print_primitive_fields, as a JSON value (proto_json_test holds the
// two to that over every answer type of the API). It is built in one walk of
// the message into nlohmann::json, which does the escaping and number
// formatting: protobuf's printer fills defaults through a tree of nodes and
// took most of an HTTP call's time (docs/BENCHMARKS.md).
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace screening::console {

std::string ProtoToJson(const google::protobuf::Message& message);

}  // namespace screening::console
