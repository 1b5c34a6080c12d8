// AdminService's gRPC handlers: the audit log for operators.
#pragma once

#include "common/call_gate.h"
#include "screening/v1/admin.grpc.pb.h"
#include "services/admin/admin_store.h"

namespace screening::admin {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(AdminStore& store, CallGate& gate) : store_(store), gate_(gate) {}

  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override;

 private:
  AdminStore& store_;
  CallGate& gate_;
};

}  // namespace screening::admin
