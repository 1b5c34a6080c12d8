// Real concurrency for race tests: `clients` threads, each with its own
// channel (its own TCP connection) to the test server, connected first and
// then released together, so the race is between the calls, not handshakes.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "screening/v1/scheduling.grpc.pb.h"
#include "tests/support/test_server.h"

namespace screening::testing {

// Runs body(client index, scheduling stub) on every client at once.
template <typename Body>
void RunTogether(TestServer& server, int clients, Body body) {
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      auto channel = server.NewChannel();
      EXPECT_TRUE(
          channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
      auto stub = v1::SchedulingService::NewStub(channel);
      ready++;
      while (!go) std::this_thread::yield();
      body(i, *stub);
    });
  }
  while (ready < clients) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
}

}  // namespace screening::testing
