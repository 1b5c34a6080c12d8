#include "services/console/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "nlohmann/json.hpp"
#include "screening/v1/accounts.pb.h"
#include "screening/v1/admin.pb.h"
#include "screening/v1/progress.pb.h"
#include "screening/v1/registry.pb.h"
#include "screening/v1/results.pb.h"
#include "screening/v1/scheduling.pb.h"

namespace screening::console {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// protobuf's own printer, with the defaults written: the oracle.
nlohmann::json Protobufs(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &text, options).ok());
  return nlohmann::json::parse(text);
}

class RandomFill {
 public:
  explicit RandomFill(uint32_t seed) : random_(seed) {}

  // Sets each field with odds 2 in 3 (some stay unset, to test defaults),
  // nested messages down to `depth`.
  void Fill(Message& message, int depth) {
    const auto* descriptor = message.GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor& field = *descriptor->field(i);
      if (Pick(3) == 0) continue;
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth == 0) continue;
      if (field.is_repeated()) {
        for (int n = Pick(4); n > 0; --n) Add(message, field, depth);
      } else {
        Set(message, field, depth);
      }
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  std::string Text() {
    static const char* kPieces[] = {"a",    "Z",      "7",    " ", "\"", "\\", "/", "\n",    "\t",
                                    "\x01", "道里区", "筛查", "é", "😀",  "<",  "&", "\u2028"};
    std::string text;
    for (int n = Pick(6); n > 0; --n) text += kPieces[Pick(std::size(kPieces))];
    return text;
  }

  double Double() {
    static const double kValues[] = {0.0,   -0.0,   0.1,   1.0 / 3, 2.5e-300,
                                     1e300, -42.75, 6000., 0.875,   123456.789};
    if (Pick(20) == 0) return std::numeric_limits<double>::quiet_NaN();
    if (Pick(20) == 0) return -std::numeric_limits<double>::infinity();
    return Pick(2) ? kValues[Pick(std::size(kValues))]
                   : std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
  }

  int64_t Int64() {
    static const int64_t kValues[] = {
        0, 1, -1, 800000, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
    return kValues[Pick(std::size(kValues))];
  }

  int EnumNumber(const FieldDescriptor& field) {
    const auto* type = field.enum_type();
    if (Pick(10) == 0) return 999;  // a number the enum does not name
    return type->value(Pick(type->value_count()))->number();
  }

  void Set(Message& m, const FieldDescriptor& f, int depth) {
    const auto& r = *m.GetReflection();
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r.SetInt32(&m, &f, static_cast<int32_t>(Int64()));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r.SetUInt32(&m, &f, static_cast<uint32_t>(Int64()));
      case FieldDescriptor::CPPTYPE_INT64:
        return r.SetInt64(&m, &f, Int64());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r.SetUInt64(&m, &f, static_cast<uint64_t>(Int64()));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r.SetDouble(&m, &f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r.SetFloat(&m, &f, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r.SetBool(&m, &f, Pick(2) == 1);
      case FieldDescriptor::CPPTYPE_ENUM:
        return r.SetEnumValue(&m, &f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r.SetString(&m, &f, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return FillWellKnownOr(*r.MutableMessage(&m, &f), depth);
    }
  }

  void Add(Message& m, const FieldDescriptor& f, int depth) {
    const auto& r = *m.GetReflection();
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r.AddInt32(&m, &f, static_cast<int32_t>(Int64()));
      case FieldDescriptor::CPPTYPE_UINT32:
        return r.AddUInt32(&m, &f, static_cast<uint32_t>(Int64()));
      case FieldDescriptor::CPPTYPE_INT64:
        return r.AddInt64(&m, &f, Int64());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r.AddUInt64(&m, &f, static_cast<uint64_t>(Int64()));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r.AddDouble(&m, &f, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r.AddFloat(&m, &f, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r.AddBool(&m, &f, Pick(2) == 1);
      case FieldDescriptor::CPPTYPE_ENUM:
        return r.AddEnumValue(&m, &f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r.AddString(&m, &f, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return FillWellKnownOr(*r.AddMessage(&m, &f), depth);
    }
  }

  // Well-known types get values their JSON form accepts (a Timestamp in
  // range, FieldMask paths in snake_case); other messages are filled.
  void FillWellKnownOr(Message& m, int depth) {
    const std::string& type = m.GetDescriptor()->full_name();
    const auto& r = *m.GetReflection();
    const auto* d = m.GetDescriptor();
    if (type == "google.protobuf.Timestamp" || type == "google.protobuf.Duration") {
      r.SetInt64(&m, d->FindFieldByName("seconds"), 1735689600 + Pick(100000));
      r.SetInt32(&m, d->FindFieldByName("nanos"), Pick(3) * 1000000);
    } else if (type == "google.protobuf.FieldMask") {
      r.AddString(&m, d->FindFieldByName("paths"), "display_name");
    } else if (d->file()->package() != "google.protobuf") {
      Fill(m, depth - 1);
    }
  }

  std::mt19937 random_;
};

// Every answer a browser can be sent: those of the public services' methods,
// streams included.
std::vector<const google::protobuf::Descriptor*> AnswerTypes() {
  // Naming one message of each file links its generated code in.
  const google::protobuf::FileDescriptor* files[] = {
      v1::Resident::descriptor()->file(),   v1::Booking::descriptor()->file(),
      v1::Result::descriptor()->file(),     v1::Progress::descriptor()->file(),
      v1::AuditEvent::descriptor()->file(), v1::Account::descriptor()->file()};
  std::vector<const google::protobuf::Descriptor*> types;
  for (const auto* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        const auto* type = file->service(s)->method(m)->output_type();
        if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
      }
    }
  }
  return types;
}

TEST(ProtoJson, WritesWhatProtobufWritesForEveryAnswerType) {
  const std::vector<const google::protobuf::Descriptor*> types = AnswerTypes();
  ASSERT_GE(types.size(), 25u);
  for (const auto* type : types) {
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      std::unique_ptr<Message> message(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
      if (seed > 1) RandomFill(seed).Fill(*message, 3);  // seed 1: all defaults
      const nlohmann::json ours = nlohmann::json::parse(ProtoToJson(*message));
      ASSERT_EQ(ours, Protobufs(*message)) << type->full_name() << " seed " << seed << "\n"
                                           << message->DebugString();
    }
  }
}

TEST(ProtoJson, SixtyFourBitIntegersAreStringsAndEnumsNames) {
  v1::Progress progress;
  progress.set_persons_screened(9007199254740993);  // past JavaScript's 2^53
  const nlohmann::json json = nlohmann::json::parse(ProtoToJson(progress));
  EXPECT_EQ(json["personsScreened"], "9007199254740993");
  EXPECT_EQ(json["niptScreened"], "0");  // defaults are written
}

}  // namespace
}  // namespace screening::console
