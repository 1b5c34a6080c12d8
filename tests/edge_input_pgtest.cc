// Every RPC the server lists in reflection, every string field of its
// request (nested and repeated ones too) set to a value far past its limit,
// then to control characters: each call answers INVALID_ARGUMENT naming the
// field, a refused call to a personal-data RPC leaves its audit row, nothing
// is stored, and the server stays healthy. Then the issue's own cases: a
// 1 MiB resource name, a 1 MiB map key, 10,000 bad working days.
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/sync_stream.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include "common/caller.h"
#include "common/field_limits.h"
#include "tests/support/slice_fixture.h"

namespace screening::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// A string field reached from a request: its path as errors name it.
struct StringPath {
  std::vector<const FieldDescriptor*> fields;  // from the request down
  std::string path;
};

// The string fields of `type`, through nested messages (not recursing into a
// type already on the way down).
void StringFields(const Descriptor* type, std::vector<const FieldDescriptor*> prefix,
                  const std::string& path, std::vector<const Descriptor*> seen,
                  std::vector<StringPath>& out) {
  seen.push_back(type);
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    auto fields = prefix;
    fields.push_back(f);
    const std::string here = (path.empty() ? "" : path + ".") + f->name() +
                             (f->is_repeated() && !f->is_map() ? "[0]" : "");
    if (f->is_map()) continue;  // map keys: the issue's own case below
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() != FieldDescriptor::TYPE_BYTES) {
      out.push_back({fields, here});
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               std::find(seen.begin(), seen.end(), f->message_type()) == seen.end()) {
      StringFields(f->message_type(), fields, here, seen, out);
    }
  }
}

// Sets the string at `at` in `message` to `value`, making the way down.
void SetAt(Message* message, const StringPath& at, const std::string& value) {
  for (size_t i = 0; i < at.fields.size(); ++i) {
    const FieldDescriptor* f = at.fields[i];
    const auto* r = message->GetReflection();
    const bool last = i + 1 == at.fields.size();
    if (last) {
      f->is_repeated() ? r->AddString(message, f, value) : r->SetString(message, f, value);
    } else {
      message = f->is_repeated() ? r->AddMessage(message, f) : r->MutableMessage(message, f);
    }
  }
}

grpc::ByteBuffer Bytes(const Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

class EdgeInput : public SliceTest {
 protected:
  static int64_t Audited(const std::string& method) {
    return db_->QueryInt(
        "SELECT count(*) FROM audit.events WHERE outcome = 'INVALID_ARGUMENT'"
        " AND method = '" +
        method + "'");
  }
  static int64_t StoredRows() {
    return db_->QueryInt(
        "SELECT (SELECT count(*) FROM registry.residents) + (SELECT count(*) FROM "
        "scheduling.hospitals) + (SELECT count(*) FROM scheduling.bookings) + (SELECT count(*) "
        "FROM scheduling.waitlist) + (SELECT count(*) FROM results.results) + (SELECT count(*) "
        "FROM results.referrals) + (SELECT count(*) FROM progress.quarterly_reports)");
  }
  // One call of `method` with `request`, whatever its kind; the status.
  static grpc::Status Call(const google::protobuf::MethodDescriptor* method,
                           const Message& request) {
    const std::string path = "/" + method->service()->full_name() + "/" + method->name();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto* channel = server_->channel().get();
    if (method->client_streaming()) {
      grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::BIDI_STREAMING);
      std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
          grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
              channel, rpc, &context));
      stream->Write(Bytes(request));
      stream->WritesDone();
      grpc::ByteBuffer ignored;
      while (stream->Read(&ignored)) {
      }
      return stream->Finish();
    }
    if (method->server_streaming()) {
      grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
      std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> stream(
          grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel, rpc, &context,
                                                                        Bytes(request)));
      grpc::ByteBuffer ignored;
      while (stream->Read(&ignored)) {
      }
      return stream->Finish();
    }
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ByteBuffer response;
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel, rpc, &context, Bytes(request), &response);
  }
};

TEST_F(EdgeInput, EveryStringOfEveryRpcHasALimitAndNoControlCharacters) {
  const int64_t stored = StoredRows();
  google::protobuf::DynamicMessageFactory factory;
  const std::string huge(1 << 20, 'a');
  int calls = 0;
  for (const std::string& service_name : ScreeningServices()) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      const std::string name = service->full_name() + "/" + method->name();
      std::vector<StringPath> strings;
      StringFields(method->input_type(), {}, "", {}, strings);
      const MethodPolicy* policy = FindMethodPolicy(name);
      ASSERT_NE(policy, nullptr) << name;
      const int64_t audited_before = Audited(name);
      int refused = 0;
      for (const StringPath& at : strings) {
        const bool multiline = LimitOfField(at.fields.back()->name()).multiline;
        for (const std::string& value :
             {huge, std::string("A\x1b[31mB"), std::string("A\r\nB"), std::string("A\0B", 3)}) {
          if (multiline && value == "A\r\nB") continue;  // a note may hold line breaks
          std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
          SetAt(request.get(), at, value);
          const grpc::Status status = Call(method, *request);
          ++calls;
          const std::string shown = value.size() > 20 ? "1 MiB" : "controls";
          if (method->client_streaming()) {
            // A stream answers its items one by one (below); here: never OK,
            // never INTERNAL or UNKNOWN.
            EXPECT_NE(status.error_code(), grpc::StatusCode::OK) << name << " " << at.path;
          } else {
            EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
                << name << " " << at.path << " (" << shown << "): " << status.error_message();
            EXPECT_THAT(BadFields(status), ::testing::Contains(at.path)) << name;
            EXPECT_LT(status.error_message().size(), 2048u) << name;
            ++refused;
          }
        }
      }
      if (policy->personal_data && refused > 0) {
        EXPECT_EQ(Audited(name) - audited_before, refused) << name << ": each refusal audited";
      }
    }
  }
  EXPECT_GT(calls, 300) << "every string of every RPC";
  EXPECT_EQ(StoredRows(), stored) << "bad input stored nothing";

  grpc::health::v1::HealthCheckRequest health;
  grpc::health::v1::HealthCheckResponse serving;
  grpc::ClientContext context;
  ASSERT_TRUE(server_->health().Check(&context, health, &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Register(absl::CivilDay(1971, 7, 7)).district_code(), "230102") << "and still serves";
}

TEST_F(EdgeInput, TheIssuesCases) {
  const std::string mib(1 << 20, 'r');
  // A 1 MiB resource name: INVALID_ARGUMENT, not UNAVAILABLE from a failed
  // audit insert, and the refusal is audited (without the name).
  const int64_t book_refusals = Audited("screening.v1.SchedulingService/BookScreening");
  v1::BookScreeningRequest book;
  book.set_resident("residents/" + mib);
  book.add_slots("slots/1");
  book.set_request_id("edge-1");
  v1::Booking booking;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->scheduling().BookScreening(&context, book, &booking);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_EQ(BadFields(status), std::vector<std::string>{"resident"});
  }
  EXPECT_EQ(Audited("screening.v1.SchedulingService/BookScreening") - book_refusals, 1);
  EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit.events WHERE length(resource) > 128"), 0);
  v1::JoinWaitlistRequest join;
  join.mutable_entry()->set_resident("residents/" + mib);
  v1::WaitlistEntry entry;
  {
    grpc::ClientContext context;
    EXPECT_THAT(server_->scheduling().JoinWaitlist(&context, join, &entry),
                GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  }
  v1::RecordResultRequest record;
  record.set_booking("bookings/" + mib);
  v1::Result result;
  {
    grpc::ClientContext context;
    EXPECT_THAT(server_->results().RecordResult(&context, record, &result),
                GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
  }
  // A 1 MiB map key: the error arrives, and does not repeat the key.
  v1::AllocateTargetsRequest allocate;
  (*allocate.mutable_eligible_population())[std::string(1 << 20, 'k')] = 1;
  v1::AllocationPlan plan;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->scheduling().AllocateTargets(&context, allocate, &plan);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_EQ(status.error_message().find("kkkkkkkk"), std::string::npos);
  }
  // 10,000 bad working days: the first ten named, the rest counted.
  v1::UpsertHospitalRequest upsert;
  upsert.mutable_hospital()->set_code("EDGE-H1");
  upsert.mutable_hospital()->set_display_name("边界医院");
  upsert.mutable_hospital()->set_district_code("230102");
  for (int i = 0; i < 10000; ++i) upsert.mutable_hospital()->add_working_days(100 + i);
  v1::Hospital hospital;
  {
    grpc::ClientContext context;
    grpc::Status status = server_->scheduling().UpsertHospital(&context, upsert, &hospital);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_LE(BadFields(status).size(), 10u);
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("more not listed"));
  }
  // Control characters where a person types: refused.
  for (const std::string& name :
       {std::string("张\0三", 4), std::string("\x1b[31m张三"), std::string("张三\r\n")}) {
    v1::RegisterResidentRequest request;
    request.mutable_resident()->set_full_name(name);
    v1::Resident out;
    grpc::ClientContext context;
    grpc::Status status = server_->registry().RegisterResident(&context, request, &out);
    EXPECT_THAT(status, GrpcIs(grpc::StatusCode::INVALID_ARGUMENT));
    EXPECT_THAT(BadFields(status), ::testing::Contains("resident.full_name"));
  }
}

}  // namespace
}  // namespace screening::testing
