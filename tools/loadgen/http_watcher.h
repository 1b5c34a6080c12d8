// One WatchProgress stream over screeningd's HTTP face, as a browser holds
// it: a Connect server stream (enveloped JSON) on its own connection. For the
// load generator's watch scenario with --http_address.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace screening::loadgen {

class HttpWatcher {
 public:
  // `address` is host:port of the HTTP face.
  HttpWatcher(const std::string& address, int programme_year);
  ~HttpWatcher();

  // Reads updates until the stream ends or Stop(), calling `on_update` with
  // each update's four-highs count of persons screened. False if the stream
  // could not be opened or ended with an error.
  bool Run(const std::function<void(int64_t four_highs)>& on_update);
  // Ends Run from another thread.
  void Stop();

 private:
  std::unique_ptr<httplib::Client> client_;
  const int programme_year_;
};

// The four-highs persons count in one update's JSON (a ProgressUpdate), or
// -1 when it names none. Looks the number up rather than parsing the whole
// update: a thousand watchers share the machine with what they measure.
int64_t FourHighsInUpdateJson(const std::string& json);

}  // namespace screening::loadgen
