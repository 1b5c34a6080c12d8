#include "services/console/account_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/dates.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "services/console/accounts.h"

namespace screening::console {

v1::Account AccountView(const Account& account, absl::Time now) {
  v1::Account out;
  out.set_name(absl::StrCat("accounts/", account.username));
  out.set_username(account.username);
  out.set_caller(account.caller);
  out.set_display_name(account.display_name);
  out.set_disabled(account.disabled);
  out.set_failed_attempts(account.failed_attempts);
  if (account.locked_until && *account.locked_until > now) {
    out.set_locked_until_time(FormatTimestamp(*account.locked_until));
  }
  out.set_create_time(FormatTimestamp(account.create_time));
  return out;
}

grpc::Status AccountServiceImpl::CreateAccount(grpc::ServerContext* context,
                                               const v1::CreateAccountRequest* request,
                                               v1::Account* response) {
  return gate_.Serve(
      context, *request, Method<v1::AccountService>("CreateAccount"),
      [&](CallGate::Call& call) -> absl::Status {
        const v1::Account& in = request->account();
        FieldViolations bad;
        bad.AddAll(ValidateUsername(in.username(), "account.username"));
        absl::StatusOr<Caller> caller = ParseAccountCaller(in.caller(), "account.caller");
        bad.AddAll(caller.status());
        bad.AddAll(ValidatePassword(request->password(), in.username()));
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(absl::StrCat("accounts/", in.username()));
        ASSIGN_OR_RETURN(std::string hash, HashPassword(request->password()));
        ASSIGN_OR_RETURN(Account created, store_.Create({.username = in.username(),
                                                         .caller = caller->Name(),
                                                         .display_name = in.display_name(),
                                                         .password_hash = hash}));
        *response = AccountView(created, clock_.Now());
        return absl::OkStatus();
      });
}

grpc::Status AccountServiceImpl::ListAccounts(grpc::ServerContext* context,
                                              const v1::ListAccountsRequest* request,
                                              v1::ListAccountsResponse* response) {
  return gate_.Serve(context, *request, Method<v1::AccountService>("ListAccounts"),
                     [&](CallGate::Call& call) -> absl::Status {
                       call.set_resource("accounts");
                       ASSIGN_OR_RETURN(std::vector<Account> accounts, store_.List());
                       const absl::Time now = clock_.Now();
                       for (const Account& a : accounts)
                         *response->add_accounts() = AccountView(a, now);
                       return absl::OkStatus();
                     });
}

grpc::Status AccountServiceImpl::UpdateAccount(grpc::ServerContext* context,
                                               const v1::UpdateAccountRequest* request,
                                               v1::Account* response) {
  return gate_.Serve(
      context, *request, Method<v1::AccountService>("UpdateAccount"),
      [&](CallGate::Call& call) -> absl::Status {
        const v1::Account& in = request->account();
        absl::string_view username = in.name();
        if (!absl::ConsumePrefix(&username, "accounts/")) username = in.username();
        FieldViolations bad;
        if (!ValidateUsername(username).ok()) {
          bad.Add("account.name", "must be accounts/{username}");
        }
        AccountStore::Changes changes;
        for (const std::string& path : request->update_mask().paths()) {
          if (path == "display_name") {
            changes.display_name = in.display_name();
          } else if (path == "disabled") {
            changes.disabled = in.disabled();
          } else {
            bad.Add("update_mask", "may name display_name and disabled only");
          }
        }
        if (!request->new_password().empty()) {
          bad.AddAll(ValidatePassword(request->new_password(), username, "new_password"));
        }
        changes.unlock = request->unlock();
        RETURN_IF_ERROR(bad.ToStatus());
        call.set_resource(absl::StrCat("accounts/", username));
        if (!request->new_password().empty()) {
          ASSIGN_OR_RETURN(changes.password_hash, HashPassword(request->new_password()));
        }
        ASSIGN_OR_RETURN(Account updated, store_.Update(std::string(username), changes));
        *response = AccountView(updated, clock_.Now());
        return absl::OkStatus();
      });
}

}  // namespace screening::console
