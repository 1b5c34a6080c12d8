#include "services/console/local_methods.h"

#include <algorithm>

namespace screening::console {

std::vector<std::string> LocalMethods::Paths() const {
  std::vector<std::string> paths;
  for (const auto& [path, handler] : handlers_) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  return paths;
}

grpc::Status LocalMethods::Call(const std::string& path, const LocalCall& local,
                                const google::protobuf::Message& request,
                                google::protobuf::Message* response) const {
  const Handler& handler = handlers_.at(path);
  return gate_.ServeLocal(
      local, [&](grpc::ServerContext* context) { return handler(context, request, response); });
}

absl::Status LocalMethods::WatchProgress(const LocalCall& local,
                                         const v1::WatchProgressRequest& request,
                                         progress::ProgressFeed::Watcher* watcher) const {
  absl::Status watching;
  gate_.ServeLocal(local, [&](grpc::ServerContext* context) {
    watching = progress_->Watch(context, request, watcher);
    return grpc::Status::OK;
  });
  return watching;
}

void LocalMethods::UnwatchProgress(const v1::WatchProgressRequest& request,
                                   progress::ProgressFeed::Watcher* watcher) const {
  progress_->Unwatch(request, watcher);
}

}  // namespace screening::console
