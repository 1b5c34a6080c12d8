// NotificationService's gRPC handlers: a resident's notifications for the
// clinic of their district (and for admins).
#pragma once

#include "common/call_gate.h"
#include "screening/v1/notifications.grpc.pb.h"
#include "services/notify/notify_store.h"

namespace screening::notify {

class NotificationServiceImpl final : public v1::NotificationService::Service {
 public:
  NotificationServiceImpl(NotifyStore& store, CallGate& gate) : store_(store), gate_(gate) {}

  grpc::Status ListNotifications(grpc::ServerContext* context,
                                 const v1::ListNotificationsRequest* request,
                                 v1::ListNotificationsResponse* response) override;

 private:
  NotifyStore& store_;
  CallGate& gate_;
};

}  // namespace screening::notify
