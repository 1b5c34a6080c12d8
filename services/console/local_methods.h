// The public API's synchronous unary handlers by method path, for the HTTP
// face to call on its own thread through the gate (CallGate::ServeLocal)
// rather than through a second, in-process gRPC call; and WatchProgress, the
// API's one server stream, from the progress feed. BookScreening, whose
// callback handler batches calls across threads, is not here: it rides the
// in-process channel.
//
//   LocalMethods methods(gate);
//   methods.Add<v1::ProgressService>(impl, &v1::ProgressService::Service::GetProgress,
//                                    "GetProgress");
//   grpc::Status status = methods.Call(path, local, request, &response);
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/call_gate.h"
#include "services/progress/progress_service.h"

namespace screening::console {

class LocalMethods {
 public:
  explicit LocalMethods(CallGate& gate) : gate_(gate) {}

  // Adds `method` of the generated service `Api` (e.g. v1::ProgressService),
  // served by `impl`, as "/<Api's full name>/<name>".
  template <typename Api, typename Request, typename Response>
  void Add(typename Api::Service* impl,
           grpc::Status (Api::Service::*method)(grpc::ServerContext*, const Request*, Response*),
           const char* name) {
    handlers_[absl::StrCat("/", Api::service_full_name(), "/", name)] =
        [impl, method](grpc::ServerContext* context, const google::protobuf::Message& request,
                       google::protobuf::Message* response) {
          return (impl->*method)(context, static_cast<const Request*>(&request),
                                 static_cast<Response*>(response));
        };
  }

  // WatchProgress, the public API's one server stream, when the progress
  // service is hosted here: the face subscribes to the feed itself, so that
  // a thousand dashboards share each update's JSON.
  void SetProgressWatch(progress::ProgressServiceImpl* progress) { progress_ = progress; }
  bool CanWatchProgress() const { return progress_ != nullptr; }
  // Admits the watch through the gate, as for `local`, and subscribes
  // `watcher`; it stays subscribed until UnwatchProgress.
  absl::Status WatchProgress(const LocalCall& local, const v1::WatchProgressRequest& request,
                             progress::ProgressFeed::Watcher* watcher) const;
  void UnwatchProgress(const v1::WatchProgressRequest& request,
                       progress::ProgressFeed::Watcher* watcher) const;

  bool Has(const std::string& path) const { return handlers_.contains(path); }
  std::vector<std::string> Paths() const;

  // Serves the call to `path` (one that Has) for `local`: `request` and
  // `response` are of the method's types.
  grpc::Status Call(const std::string& path, const LocalCall& local,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response) const;

 private:
  using Handler = std::function<grpc::Status(grpc::ServerContext*, const google::protobuf::Message&,
                                             google::protobuf::Message*)>;

  CallGate& gate_;
  progress::ProgressServiceImpl* progress_ = nullptr;
  absl::flat_hash_map<std::string, Handler> handlers_;
};

}  // namespace screening::console
