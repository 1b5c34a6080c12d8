// AccountService's handlers: the console's staff accounts, for admins, through
// the same gate as every RPC.
#pragma once

#include "common/call_gate.h"
#include "common/clock.h"
#include "screening/v1/accounts.grpc.pb.h"
#include "services/console/account_store.h"

namespace screening::console {

class AccountServiceImpl final : public v1::AccountService::Service {
 public:
  AccountServiceImpl(AccountStore& store, CallGate& gate, const Clock& clock)
      : store_(store), gate_(gate), clock_(clock) {}

  grpc::Status CreateAccount(grpc::ServerContext* context, const v1::CreateAccountRequest* request,
                             v1::Account* response) override;
  grpc::Status ListAccounts(grpc::ServerContext* context, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override;
  grpc::Status UpdateAccount(grpc::ServerContext* context, const v1::UpdateAccountRequest* request,
                             v1::Account* response) override;

 private:
  AccountStore& store_;
  CallGate& gate_;
  const Clock& clock_;
};

// The account as the API shows it (never its password hash). Pure.
v1::Account AccountView(const Account& account, absl::Time now);

}  // namespace screening::console
