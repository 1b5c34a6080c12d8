#include "tools/loadgen/http_watcher.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace screening::loadgen {

HttpWatcher::HttpWatcher(const std::string& address, int programme_year)
    : programme_year_(programme_year) {
  const size_t colon = address.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  client_ = std::make_unique<httplib::Client>(address.substr(0, colon), port);
  client_->set_read_timeout(600, 0);
  client_->set_tcp_nodelay(true);
}

HttpWatcher::~HttpWatcher() = default;

void HttpWatcher::Stop() { client_->stop(); }

int64_t FourHighsInUpdateJson(const std::string& json) {
  const size_t type = json.find("\"SCREENING_TYPE_FOUR_HIGHS\"");
  if (type == std::string::npos) return -1;
  // The by-type entry around it: {"personsScreened":"N","screeningType":...}.
  const size_t open = json.rfind('{', type);
  const size_t close = json.find('}', type);
  if (open == std::string::npos || close == std::string::npos) return -1;
  constexpr char kKey[] = "\"personsScreened\":\"";
  const size_t key = json.find(kKey, open);
  if (key == std::string::npos || key > close) return -1;
  const size_t digits = key + sizeof kKey - 1;
  int64_t count = -1;
  if (!absl::SimpleAtoi(json.substr(digits, json.find('"', digits) - digits), &count)) return -1;
  return count;
}

bool HttpWatcher::Run(const std::function<void(int64_t four_highs)>& on_update) {
  const std::string json = absl::StrCat(R"({"programmeYear":)", programme_year_, "}");
  std::string body(5, '\0');  // flags 0, then the length in 4 bytes, big-endian
  body[2] = static_cast<char>(json.size() >> 16);
  body[3] = static_cast<char>(json.size() >> 8);
  body[4] = static_cast<char>(json.size());
  body += json;
  httplib::Request request;
  request.method = "POST";
  request.path = "/screening.v1.ProgressService/WatchProgress";
  request.headers = {{"Content-Type", "application/connect+json"}};
  request.body = std::move(body);
  std::string buffer;
  bool ended_with_error = false;
  request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    buffer.append(data, length);
    while (buffer.size() >= 5) {
      const size_t size = (static_cast<size_t>(static_cast<unsigned char>(buffer[1])) << 24) |
                          (static_cast<size_t>(static_cast<unsigned char>(buffer[2])) << 16) |
                          (static_cast<size_t>(static_cast<unsigned char>(buffer[3])) << 8) |
                          static_cast<unsigned char>(buffer[4]);
      if (buffer.size() < 5 + size) break;
      const std::string message = buffer.substr(5, size);
      const bool end = (buffer[0] & 0x02) != 0;
      buffer.erase(0, 5 + size);
      if (end) {
        ended_with_error = message.find("\"error\"") != std::string::npos;
        return false;
      }
      on_update(FourHighsInUpdateJson(message));
    }
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client_->send(request, response, error);
  return (sent || error == httplib::Error::Canceled) && response.status == 200 && !ended_with_error;
}

}  // namespace screening::loadgen
