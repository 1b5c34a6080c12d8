#include "tests/support/test_certs.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace screening::testing {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr char kNewKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

absl::Status TestCerts::Run(const std::string& command) const {
  const std::string full = absl::StrCat("cd '", dir_, "' && ", command, " >/dev/null 2>&1");
  if (std::system(full.c_str()) != 0) return absl::InternalError(absl::StrCat("failed: ", command));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TestCerts>> TestCerts::Create() {
  std::string dir = (std::filesystem::temp_directory_path() / "screening-certs-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<TestCerts> certs(new TestCerts());
  certs->dir_ = dir;
  for (const char* ca : {"ca", "other-ca"}) {
    absl::Status made =
        certs->Run(absl::StrCat("openssl req -x509 ", kNewKey, " -keyout ", ca, ".key -out ", ca,
                                ".pem -days 2 -subj '/CN=", ca, "'"));
    if (!made.ok()) return made;
  }
  absl::Status made = certs->Run(absl::StrCat(
      "openssl req ", kNewKey, " -keyout server.key -out server.csr -subj '/CN=localhost' && ",
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext && ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 ",
      "-extfile san.ext -out server.pem"));
  if (!made.ok()) return made;
  certs->ca_pem_ = Read(dir + "/ca.pem");
  certs->server_ = {Read(dir + "/server.pem"), Read(dir + "/server.key")};
  return certs;
}

TestCerts::~TestCerts() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<KeyPair> TestCerts::Client(const std::string& common_name, bool unknown_ca) {
  const std::string name = absl::StrCat("client", next_++);
  const std::string ca = unknown_ca ? "other-ca" : "ca";
  absl::Status made = Run(absl::StrCat(
      "openssl req ", kNewKey, " -keyout ", name, ".key -out ", name,
      ".csr -subj '/CN=", common_name, "' && openssl x509 -req -in ", name, ".csr -CA ", ca,
      ".pem -CAkey ", ca, ".key -CAcreateserial -days 2 -out ", name, ".pem"));
  if (!made.ok()) return made;
  return KeyPair{Read(absl::StrCat(dir_, "/", name, ".pem")),
                 Read(absl::StrCat(dir_, "/", name, ".key"))};
}

std::shared_ptr<grpc::ChannelCredentials> TestCerts::Credentials(const KeyPair* client) const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem_;
  if (client != nullptr) {
    options.pem_private_key = client->key_pem;
    options.pem_cert_chain = client->cert_pem;
  }
  return grpc::SslCredentials(options);
}

}  // namespace screening::testing
