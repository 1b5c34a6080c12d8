// Server reflection is on: a generic client (grpcurl, Postman) can list the
// services and fetch their descriptors without the proto files.
#include <grpcpp/client_context.h>
#include <grpcpp/impl/codegen/client_callback.h>
#include <grpcpp/support/sync_stream.h>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "tests/proto/reflection_wire.pb.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

namespace screening::testing {
namespace {

using Request = ::screening::testing::ReflectionRequest;
using Response = ::screening::testing::ReflectionResponse;

// One request-response exchange on the reflection stream.
Response Ask(TestServer& server, const Request& request) {
  grpc::internal::RpcMethod method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   grpc::internal::RpcMethod::BIDI_STREAMING, server.channel());
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream(
      grpc::internal::ClientReaderWriterFactory<Request, Response>::Create(server.channel().get(),
                                                                           method, &context));
  Response response;
  EXPECT_TRUE(stream->Write(request));
  EXPECT_TRUE(stream->Read(&response));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  return response;
}

TEST(Reflection, ListsEveryServiceAndServesDescriptors) {
  auto db = TestDatabase::Create("reflection");
  ASSERT_TRUE(db.ok()) << db.status();
  FakeClock clock(DefaultTestNow());
  auto server = TestServer::Start((*db)->url(), &clock);
  ASSERT_TRUE(server.ok()) << server.status();

  Request list;
  list.set_list_services("");
  Response listed = Ask(**server, list);
  std::vector<std::string> names;
  for (const auto& s : listed.list_services_response().service()) names.push_back(s.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"screening.v1.RegistryService", "screening.v1.SchedulingService",
                          "screening.v1.ResultsService", "screening.v1.ProgressService",
                          "grpc.health.v1.Health"}));

  Request symbol;
  symbol.set_file_containing_symbol("screening.v1.SchedulingService");
  Response file = Ask(**server, symbol);
  ASSERT_GT(file.file_descriptor_response().file_descriptor_proto_size(), 0);
  google::protobuf::FileDescriptorProto descriptor;
  ASSERT_TRUE(descriptor.ParseFromString(file.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(descriptor.name(), "screening/v1/scheduling.proto");
}

}  // namespace
}  // namespace screening::testing
