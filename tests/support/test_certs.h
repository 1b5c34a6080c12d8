// Certificates made for a test with the openssl command: a CA, a server
// certificate for localhost, client certificates whose common names name
// callers, and a second, unknown CA.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"

namespace screening::testing {

struct KeyPair {
  std::string cert_pem, key_pem;
};

class TestCerts {
 public:
  static absl::StatusOr<std::unique_ptr<TestCerts>> Create();
  ~TestCerts();  // removes the directory

  const std::string& ca_pem() const { return ca_pem_; }
  const KeyPair& server() const { return server_; }

  // A client certificate with this common name, signed by the test CA (or by
  // an unknown CA).
  absl::StatusOr<KeyPair> Client(const std::string& common_name, bool unknown_ca = false);

  // TLS channel credentials trusting the test CA, with an optional client certificate.
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const KeyPair* client = nullptr) const;

 private:
  absl::Status Run(const std::string& command) const;
  std::string dir_, ca_pem_;
  KeyPair server_;
  int next_ = 0;
};

}  // namespace screening::testing
