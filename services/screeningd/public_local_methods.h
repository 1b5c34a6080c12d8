// The public API's synchronous unary methods, for the HTTP face to call
// directly (console::LocalMethods): every unary method of screening.v1
// except BookScreening, whose callback handler batches calls.
#pragma once

#include <memory>
#include <vector>

#include <grpcpp/impl/codegen/service_type.h>

#include "common/call_gate.h"
#include "services/console/local_methods.h"

namespace screening {

// The methods of those `handlers` that serve the public API through `gate`.
std::unique_ptr<console::LocalMethods> PublicLocalMethods(
    CallGate& gate, const std::vector<grpc::Service*>& handlers);

}  // namespace screening
