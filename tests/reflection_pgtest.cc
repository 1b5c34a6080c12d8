// Server reflection is on: a generic client (grpcurl, Postman) can list the
// services and fetch their descriptors without the proto files.
#include <grpcpp/client_context.h>
#include <grpcpp/impl/codegen/client_callback.h>
#include <grpcpp/support/sync_stream.h>

#include <functional>
#include <map>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
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

// One database and server for the suite.
class Reflection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = TestDatabase::Create("reflection");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    clock_ = new FakeClock(DefaultTestNow());
    auto server = TestServer::Start(db_->url(), clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete clock_;
    delete db_;
  }
  // The names of the services reflection lists.
  static std::vector<std::string> ListedServices() {
    Request list;
    list.set_list_services("");
    const Response listed = Ask(*server_, list);
    std::vector<std::string> names;
    for (const auto& s : listed.list_services_response().service()) names.push_back(s.name());
    return names;
  }

  static inline TestDatabase* db_ = nullptr;
  static inline FakeClock* clock_ = nullptr;
  static inline TestServer* server_ = nullptr;
};

TEST_F(Reflection, ListsEveryServiceAndServesDescriptors) {
  std::vector<std::string> expected = ScreeningServices();
  expected.push_back("grpc.health.v1.Health");
  EXPECT_THAT(ListedServices(), ::testing::IsSupersetOf(expected));

  Request symbol;
  symbol.set_file_containing_symbol("screening.v1.SchedulingService");
  Response file = Ask(*server_, symbol);
  ASSERT_GT(file.file_descriptor_response().file_descriptor_proto_size(), 0);
  google::protobuf::FileDescriptorProto descriptor;
  ASSERT_TRUE(descriptor.ParseFromString(file.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(descriptor.name(), "screening/v1/scheduling.proto");
}

TEST_F(Reflection, DescribesEveryServiceItLists) {
  // As a generic client (buf curl --list-methods, grpcurl describe) does:
  // each listed service's file, then the files it imports, by name, until
  // every service resolves in a pool of what reflection answered. (This test
  // binary links the health descriptor itself; the check that screeningd
  // does too is reflection_buf_curl_pgtest, against the real binary.)
  const std::vector<std::string> listed = ListedServices();
  ASSERT_FALSE(listed.empty());
  std::map<std::string, google::protobuf::FileDescriptorProto> files;
  auto keep = [&](const Response& answer) {
    for (const std::string& bytes : answer.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto proto;
      ASSERT_TRUE(proto.ParseFromString(bytes));
      files.emplace(proto.name(), proto);
    }
  };
  for (const std::string& service : listed) {
    Request ask;
    ask.set_file_containing_symbol(service);
    Response answer = Ask(*server_, ask);
    EXPECT_FALSE(answer.has_error_response())
        << service << ": " << answer.error_response().error_message();
    keep(answer);
  }
  // Imports not sent along are fetched by name.
  for (bool more = true; more;) {
    more = false;
    std::vector<std::string> missing;
    for (const auto& [name, proto] : files) {
      for (const std::string& dependency : proto.dependency()) {
        if (!files.count(dependency)) missing.push_back(dependency);
      }
    }
    for (const std::string& name : missing) {
      Request ask;
      ask.set_file_by_filename(name);
      Response answer = Ask(*server_, ask);
      ASSERT_FALSE(answer.has_error_response()) << name;
      keep(answer);
      more = true;
    }
  }
  google::protobuf::DescriptorPool pool;
  // Build in dependency order: BuildFile needs a file's imports first.
  std::function<void(const std::string&)> build = [&](const std::string& name) {
    if (pool.FindFileByName(name) != nullptr) return;
    for (const std::string& dependency : files.at(name).dependency()) build(dependency);
    ASSERT_NE(pool.BuildFile(files.at(name)), nullptr) << name;
  };
  for (const auto& [name, proto] : files) build(name);
  for (const std::string& service : listed) {
    const google::protobuf::ServiceDescriptor* described = pool.FindServiceByName(service);
    ASSERT_NE(described, nullptr) << service;
    EXPECT_GT(described->method_count(), 0) << service;
  }
  EXPECT_NE(pool.FindServiceByName("grpc.health.v1.Health"), nullptr);
}

}  // namespace
}  // namespace screening::testing
