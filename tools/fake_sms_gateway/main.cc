// fake-sms-gateway: the local stand-in for an SMS gateway (see
// fake_sms_gateway.h). It prints each message it accepts, one line each,
// until interrupted:
//
//   fake-sms-gateway --listen=127.0.0.1:8025 [--token_file=F]
//   screeningd ... --sms_gateway_url=http://127.0.0.1:8025/sms
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/fake_sms_gateway/fake_sms_gateway.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8025", "host:port to listen on (port 0: any).");
ABSL_FLAG(std::string, token_file, "",
          "A file holding the bearer token messages must carry; none if empty.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("A local SMS gateway that records and prints what it receives.");
  absl::ParseCommandLine(argc, argv);
  std::pair<std::string, std::string> host_port =
      absl::StrSplit(absl::GetFlag(FLAGS_listen), absl::MaxSplits(':', 1));
  int port = 0;
  if (host_port.first.empty() || !absl::SimpleAtoi(host_port.second, &port) || port < 0 ||
      port > 65535) {
    std::fprintf(stderr, "fake-sms-gateway: --listen must be host:port\n");
    return 2;
  }
  std::string token;
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_token_file));
    std::stringstream text;
    text << in.rdbuf();
    token = std::string(absl::StripAsciiWhitespace(text.str()));
    if (!in || token.empty()) {
      std::fprintf(stderr, "fake-sms-gateway: cannot read a token from --token_file\n");
      return 2;
    }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the server's thread inherits it

  auto gateway = screening::tools::FakeSmsGateway::Start(host_port.first, port, std::move(token));
  if (!gateway.ok()) {
    std::fprintf(stderr, "fake-sms-gateway: %s\n", gateway.status().ToString().c_str());
    return 1;
  }
  (*gateway)->OnAccepted([](const screening::tools::FakeSmsGateway::Message& m) {
    std::printf("SMS to %s [%s] %s\n", m.phone.c_str(), m.template_id.c_str(), m.text.c_str());
    std::fflush(stdout);
  });
  std::printf("fake-sms-gateway: listening on %s\n", (*gateway)->url().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
