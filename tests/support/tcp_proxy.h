// A loopback TCP forwarder that a test can cut and restore, to make a server
// (here PostgreSQL) unreachable without touching it.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace screening::testing {

class TcpProxy {
 public:
  // Forwards 127.0.0.1:<port()> to target_host:target_port.
  TcpProxy(std::string target_host, int target_port);
  ~TcpProxy();

  int port() const { return port_; }

  // Connections forwarded so far.
  int64_t connections() const { return connections_.load(); }

  // Drops every connection and refuses new ones until Restore().
  void Cut();
  void Restore();

 private:
  void AcceptLoop();
  void Pump(int client, int upstream);

  std::string target_host_;
  int target_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<int64_t> connections_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace screening::testing
