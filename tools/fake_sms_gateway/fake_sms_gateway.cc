#include "tools/fake_sms_gateway/fake_sms_gateway.h"

#include <httplib.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace screening::tools {
namespace {

nlohmann::json ToJson(const FakeSmsGateway::Message& m) {
  return {{"out_id", m.out_id},
          {"phone", m.phone},
          {"template_id", m.template_id},
          {"params", m.params},
          {"text", m.text}};
}

}  // namespace

FakeSmsGateway::FakeSmsGateway(std::string host, std::string token)
    : host_(std::move(host)), token_(std::move(token)), server_(new httplib::Server) {}

absl::StatusOr<std::unique_ptr<FakeSmsGateway>> FakeSmsGateway::Start(const std::string& host,
                                                                      int port, std::string token) {
  std::unique_ptr<FakeSmsGateway> gateway(new FakeSmsGateway(host, std::move(token)));
  FakeSmsGateway* self = gateway.get();
  httplib::Server& server = *gateway->server_;
  server.set_tcp_nodelay(true);

  server.Post("/sms", [self](const httplib::Request& request, httplib::Response& response) {
    absl::MutexLock lock(&self->mu_);
    ++self->posts_;
    if (!self->token_.empty() &&
        request.get_header_value("Authorization") != "Bearer " + self->token_) {
      response.status = 401;
      response.set_content(R"({"error":"bad credentials"})", "application/json");
      return;
    }
    if (self->fail_next_ > 0) {
      --self->fail_next_;
      response.status = self->fail_status_;
      response.set_content(R"({"error":"failing on demand"})", "application/json");
      return;
    }
    Message message;
    try {
      const auto body = nlohmann::json::parse(request.body);
      message.out_id = body.at("out_id").get<std::string>();
      message.phone = body.at("phone").get<std::string>();
      message.template_id = body.at("template_id").get<std::string>();
      message.params = body.at("params").get<std::map<std::string, std::string>>();
      message.text = body.at("text").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      response.status = 400;
      response.set_content(nlohmann::json{{"error", e.what()}}.dump(), "application/json");
      return;
    }
    self->accepted_.push_back(message);
    if (self->on_accepted_) self->on_accepted_(message);
    response.set_content(
        nlohmann::json{{"message_id", absl::StrCat(self->accepted_.size())}}.dump(),
        "application/json");
  });
  server.Get("/messages", [self](const httplib::Request&, httplib::Response& response) {
    nlohmann::json all = nlohmann::json::array();
    for (const Message& m : self->Accepted()) all.push_back(ToJson(m));
    response.set_content(all.dump(), "application/json");
  });
  server.Post("/fail", [self](const httplib::Request& request, httplib::Response& response) {
    int count = 0;
    int status = 503;
    if (!absl::SimpleAtoi(request.get_param_value("next"), &count) || count < 0 ||
        (request.has_param("status") &&
         (!absl::SimpleAtoi(request.get_param_value("status"), &status) || status < 100 ||
          status > 599))) {
      response.status = 400;
      response.set_content("want /fail?next=N[&status=503]\n", "text/plain");
      return;
    }
    self->FailNext(count, status);
    response.set_content("ok\n", "text/plain");
  });

  if (port == 0) {
    gateway->port_ = server.bind_to_any_port(host);
    if (gateway->port_ <= 0) return absl::UnavailableError("fake SMS gateway: no free port");
  } else {
    if (!server.bind_to_port(host, port)) {
      return absl::UnavailableError(
          absl::StrCat("fake SMS gateway: cannot listen on ", host, ":", port));
    }
    gateway->port_ = port;
  }
  gateway->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  // A stop() before the loop starts would be missed: return once it runs.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return gateway;
}

FakeSmsGateway::~FakeSmsGateway() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeSmsGateway::url() const {
  return absl::StrCat("http://", host_, ":", port_, "/sms");
}

void FakeSmsGateway::FailNext(int count, int http_status) {
  absl::MutexLock lock(&mu_);
  fail_next_ = count;
  fail_status_ = http_status;
}

std::vector<FakeSmsGateway::Message> FakeSmsGateway::Accepted() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

int FakeSmsGateway::Posts() const {
  absl::MutexLock lock(&mu_);
  return posts_;
}

void FakeSmsGateway::OnAccepted(std::function<void(const Message&)> callback) {
  absl::MutexLock lock(&mu_);
  on_accepted_ = std::move(callback);
}

}  // namespace screening::tools
