// A TLS server that requires credentials, with tokens for every kind of
// caller, and helpers to call as one of them.
#pragma once

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>

#include "services/admin/admin_store.h"
#include "tests/support/grpc_matchers.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_database.h"
#include "tests/support/test_server.h"

namespace screening::testing {

class SecureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // A token for `caller` ("clinic:230102", ...), issued once per suite.
  static const std::string& Token(const std::string& caller);
  // A client context that presents `caller`'s token ("" for none).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& caller);

  static inline FakeClock* clock_ = nullptr;
  static inline TestDatabase* db_ = nullptr;
  static inline TestCerts* certs_ = nullptr;
  static inline TestServer* server_ = nullptr;
  static inline db::Pool* owner_pool_ = nullptr;
  static inline admin::AdminStore* tokens_ = nullptr;  // issues tokens as the owner
  static inline std::map<std::string, std::string>* issued_ = nullptr;
};

}  // namespace screening::testing
