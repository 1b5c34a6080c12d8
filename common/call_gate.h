// The gate every RPC passes: who is calling (authentication), may they call
// this RPC (the authorization table), are they within their rate, and, for
// RPCs that touch personal data, one audit row with the outcome.
//
//   grpc::Status Impl::GetResident(grpc::ServerContext* ctx, const Req* req, Resp* resp) {
//     return gate_.Serve(ctx, Method<v1::RegistryService>("GetResident"),
//                        [&](CallGate::Call& call) -> absl::Status {
//       call.set_resource(req->name());
//       ...
//     });
//   }
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/call_deadline.h"
#include "common/call_metrics.h"
#include "common/caller.h"
#include "common/clock.h"
#include "common/field_limits.h"
#include "common/trace.h"

namespace screening {

// "screening.v1.RegistryService/GetResident" from the generated service class.
template <typename Service>
std::string Method(absl::string_view rpc) {
  return absl::StrCat(Service::service_full_name(), "/", rpc);
}

// The metadata key carrying a stated reason ("break the glass").
inline constexpr char kReasonMetadata[] = "x-screening-reason";

struct AuditEntry {
  absl::Time time;
  std::string subject, role, scope;  // who
  std::string method, resource;      // did what to what
  std::string outcome;               // the gRPC status code name, e.g. OK, PERMISSION_DENIED
  std::string reason;                // a stated reason, if any
  std::string peer;                  // the network peer
};

// Where audit rows go (append-only).
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual absl::Status Append(const AuditEntry& entry) = 0;
  // Rows of calls that ended together, one outcome each; by default one
  // Append after another.
  virtual std::vector<absl::Status> AppendAll(const std::vector<AuditEntry>& entries);
};

// Checks a bearer token: the caller it names, or UNAUTHENTICATED.
class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;
  virtual absl::StatusOr<Caller> Verify(absl::string_view token) = 0;
  // The tokens of calls served together, one verdict each; by default one
  // Verify after another.
  virtual std::vector<absl::StatusOr<Caller>> VerifyAll(const std::vector<std::string>& tokens);
};

// A token bucket per caller: `per_second` sustained, `burst` at once.
class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double per_second, double burst);
  bool Allow(const std::string& key);
  // Takes one token whether or not one is there (a debt the caller's later
  // calls pay back) and says how long to wait until it would have been:
  // for the messages of a stream, which slow down rather than fail.
  absl::Duration Reserve(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    absl::Time last;
  };
  // The caller's bucket, refilled up to now.
  Bucket& Refilled(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Clock& clock_;
  const double per_second_, burst_;
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// A call served on this process's own thread for a caller that came another
// way than gRPC (the console's HTTP face): what the gate would otherwise read
// off the gRPC call.
struct LocalCall {
  std::string authorization;  // "Bearer <token>", or empty
  std::string reason;         // as the x-screening-reason metadata
  std::string peer;           // for the audit row, e.g. "http:127.0.0.1:52310"
  absl::Time deadline = absl::InfiniteFuture();
  std::string traceparent;  // the W3C header, or empty
};

// What a call presents to be known by: a TLS peer (whose certificate may
// name the caller) and the authorization header, if any.
struct Credentials {
  std::shared_ptr<const grpc::AuthContext> tls;
  std::optional<std::string> authorization;
};

// Finds the caller of a call on the public server: a verified client
// certificate (its common name, e.g. "hospital:HRB-DL-01"), else a bearer
// token, else (only with --insecure) a developer.
class Authenticator {
 public:
  Authenticator(TokenVerifier* tokens, bool insecure) : tokens_(tokens), insecure_(insecure) {}
  // One caller per call: the bearer tokens are verified in one VerifyAll.
  std::vector<absl::StatusOr<Caller>> AuthenticateAll(
      const std::vector<Credentials>& credentials) const;

 private:
  // What a call presents: the caller its certificate names (or why it names
  // none), or a bearer token still to verify.
  struct Presented {
    absl::StatusOr<Caller> caller;
    std::optional<std::string> token;
  };
  Presented Present(const Credentials& credentials) const;

  TokenVerifier* tokens_;
  const bool insecure_;
};

// The request's `request_id` field (AIP-155), or "" when it has none.
std::string RequestIdOf(const google::protobuf::Message& request);

class CallGate {
 public:
  // `authenticator` null: the in-process server, where every caller is
  // another screening service of this process.
  CallGate(const Authenticator* authenticator, AuditSink* audit, RateLimiter* limiter,
           const Clock& clock)
      : authenticator_(authenticator), audit_(audit), limiter_(limiter), clock_(clock) {}

  class Call {
   public:
    // OK, or why the call may not proceed (UNAUTHENTICATED, PERMISSION_DENIED,
    // RESOURCE_EXHAUSTED).
    const absl::Status& status() const { return status_; }
    const Caller& caller() const { return caller_; }
    // The stated reason, from the x-screening-reason metadata ("" if none).
    const std::string& reason() const { return reason_; }
    void set_resource(std::string resource) { resource_ = std::move(resource); }
    // The request's request_id, for the call's log line.
    void set_request_id(std::string request_id) { request_id_ = std::move(request_id); }
    // The call's span in its caller's trace (or in one started here).
    const TraceContext& trace() const { return trace_; }

    // Counts one more message of a stream against the caller's rate: when
    // the rate is spent, waits for room (until the call ends) instead of
    // refusing, so that a clinic's own import is slowed, never cut off.
    absl::Status PaceMessage();

    // Writes the audit row (for personal-data RPCs) and turns the outcome
    // into the call's status. If the audit row cannot be written, the answer
    // is withheld: UNAVAILABLE.
    grpc::Status Finish(const absl::Status& outcome);

    // The audit row this call gets if it ends with `outcome`, timed now;
    // nullopt when the call is not audited. For a handler that commits the
    // row in the transaction of its change: it then calls MarkAudited, and
    // Finish writes no second row.
    std::optional<AuditEntry> AuditRow(const absl::Status& outcome) const;
    void MarkAudited() { audited_ = true; }

   private:
    friend class CallGate;
    // The gate's verdict on the caller, once known.
    void Admit(absl::StatusOr<Caller> caller);
    // Counts the call's end with `code` in the gate's metrics and writes
    // its log line, once.
    void Observe(grpc::StatusCode code);
    CallGate* gate_ = nullptr;
    grpc::ServerContextBase* context_ = nullptr;
    const LocalCall* local_ = nullptr;  // set for a call served by ServeLocal
    std::string method_, resource_, reason_, request_id_;
    bool personal_data_ = false;
    bool audited_ = false;
    Caller caller_{Role::kService, "", ""};
    absl::Status status_;
    // The call's deadline for the database work of this thread, and its
    // trace for the calls it makes, until Finish.
    std::unique_ptr<ScopedCallDeadline> deadline_;
    TraceContext trace_;
    std::unique_ptr<ScopedTrace> trace_scope_;
    // When the gate met the call; whether its end was observed; and, for
    // the metrics, the call counted as inside the gate until then (or,
    // never finished, until it is destroyed).
    absl::Time start_;
    bool observed_ = false;
    std::unique_ptr<CallMetrics::InFlight> in_flight_;
  };

  Call Begin(grpc::ServerContextBase* context, absl::string_view method);

  // From now on every new call is refused UNAVAILABLE (reason SHUTTING_DOWN),
  // so that a call arriving while the process stops is told to retry
  // elsewhere rather than cut off; calls already admitted go on.
  void Close() { closing_ = true; }
  // Counts every call's end from now on (null: none). Set before serving.
  void set_metrics(CallMetrics* metrics) { metrics_ = metrics; }
  // Begin for calls served together on one thread (a batch of a callback
  // method): their tokens are verified together, and no call's deadline is
  // left on this thread.
  std::vector<Call> BeginAll(const std::vector<grpc::ServerContextBase*>& contexts,
                             absl::string_view method);

  // Finish for calls of this gate that ended together: the audit rows still
  // to write go in one AppendAll, not one append each.
  std::vector<grpc::Status> FinishAll(std::vector<Call>& calls,
                                      const std::vector<absl::Status>& outcomes);

  // Runs `handler`, one of this gate's synchronous handlers, on this thread
  // as a call from `local`: the handler gets a fresh ServerContext, and when
  // the gate meets that context it reads the credentials, reason, peer and
  // deadline from `local` instead of from gRPC. The HTTP face calls handlers
  // this way, without a second trip through gRPC.
  grpc::Status ServeLocal(const LocalCall& local,
                          absl::FunctionRef<grpc::Status(grpc::ServerContext*)> handler);

  // Begin, then `body(call)` only if the call may proceed, then Finish: the
  // way every handler runs, so that none can forget the gate's verdict.
  template <typename Body>
  grpc::Status Serve(grpc::ServerContext* context, absl::string_view method, Body&& body) {
    Call call = Begin(context, method);
    if (!call.status().ok()) return call.Finish(call.status());
    return call.Finish(body(call));
  }
  // The same for a call with a request: every string in it is checked
  // against the API's limits (CheckFieldLimits) before `body` runs; a refusal
  // is audited like any other outcome.
  template <typename Body>
  grpc::Status Serve(grpc::ServerContext* context, const google::protobuf::Message& request,
                     absl::string_view method, Body&& body) {
    Call call = Begin(context, method);
    call.set_request_id(RequestIdOf(request));
    if (!call.status().ok()) return call.Finish(call.status());
    if (absl::Status fits = CheckFieldLimits(request); !fits.ok()) return call.Finish(fits);
    return call.Finish(body(call));
  }

 private:
  // A call with its metadata read, not yet admitted (and no deadline set).
  Call Prepare(grpc::ServerContextBase* context, absl::string_view method);
  // The LocalCall `context` was made for by ServeLocal, or null.
  const LocalCall* FindLocal(const grpc::ServerContextBase* context) const;
  // The call's credentials, from gRPC or from its LocalCall.
  static Credentials CredentialsOf(const Call& call);
  std::vector<absl::StatusOr<Caller>> Authenticate(const std::vector<Call>& calls) const;

  // Counts the call in the metrics if the gate refused it.
  void CountRefusal(const Call& call);
  // "grpc", "http" (a call from ServeLocal) or "in_process".
  absl::string_view Protocol(const Call& call) const;

  const Authenticator* authenticator_;
  CallMetrics* metrics_ = nullptr;
  std::atomic<bool> closing_{false};
  AuditSink* audit_;
  RateLimiter* limiter_;
  const Clock& clock_;
  // The contexts of calls in ServeLocal; most calls are gRPC's, and find
  // none without taking the lock.
  std::atomic<int> local_calls_{0};
  mutable absl::Mutex local_mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, const LocalCall*> local_
      ABSL_GUARDED_BY(local_mu_);
};

}  // namespace screening
