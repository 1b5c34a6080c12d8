#include "common/call_gate.h"

#include <grpcpp/client_context.h>
#include <grpcpp/security/auth_context.h>

#include <grpc/grpc_security_constants.h>

#include <algorithm>

#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/log.h"

namespace screening {
namespace {

constexpr size_t kMaxBuckets = 100000;
constexpr absl::string_view kBearerPrefix = "Bearer ";

std::string CodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

// The caller of calls on the in-process server (no authenticator).
Caller InProcessCaller() { return Caller{Role::kService, "in-process", "in-process"}; }

grpc::Status AuditUnavailable() {
  return ToGrpcStatus(absl::UnavailableError("the audit log is unavailable; retry"));
}

}  // namespace

std::string RequestIdOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

std::vector<absl::Status> AuditSink::AppendAll(const std::vector<AuditEntry>& entries) {
  std::vector<absl::Status> each;
  for (const AuditEntry& entry : entries) each.push_back(Append(entry));
  return each;
}

std::vector<absl::StatusOr<Caller>> TokenVerifier::VerifyAll(
    const std::vector<std::string>& tokens) {
  std::vector<absl::StatusOr<Caller>> each;
  for (const std::string& token : tokens) each.push_back(Verify(token));
  return each;
}

RateLimiter::RateLimiter(const Clock& clock, double per_second, double burst)
    : clock_(clock), per_second_(per_second), burst_(burst) {}

RateLimiter::Bucket& RateLimiter::Refilled(const std::string& key) {
  const absl::Time now = clock_.Now();
  if (buckets_.size() > kMaxBuckets) buckets_.clear();  // bounded memory; refills everyone
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    // A clock stepped backwards refills nothing (and takes nothing away).
    const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - b.last));
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.last = now;
  }
  return b;
}

bool RateLimiter::Allow(const std::string& key) {
  absl::MutexLock lock(&mu_);
  Bucket& b = Refilled(key);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

absl::Duration RateLimiter::Reserve(const std::string& key) {
  absl::MutexLock lock(&mu_);
  Bucket& b = Refilled(key);
  b.tokens -= 1.0;
  return b.tokens >= 0 ? absl::ZeroDuration() : absl::Seconds(-b.tokens / per_second_);
}

Authenticator::Presented Authenticator::Present(const Credentials& credentials) const {
  // A verified client certificate names the caller in its common name.
  if (const auto& auth = credentials.tls; auth && auth->IsPeerAuthenticated()) {
    for (const auto& cn : auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
      auto caller = ParseCallerName(std::string(cn.data(), cn.size()));
      if (!caller.ok()) {
        return {WithReason(absl::UnauthenticatedError(absl::StrCat(
                               "the client certificate's common name does not name a caller: ",
                               caller.status().message())),
                           "CERTIFICATE_NAMES_NO_CALLER"),
                std::nullopt};
      }
      caller->subject = absl::StrCat("cert:", std::string(cn.data(), cn.size()));
      return {*std::move(caller), std::nullopt};
    }
  }
  if (credentials.authorization) {
    absl::string_view value(*credentials.authorization);
    if (!absl::ConsumePrefix(&value, kBearerPrefix) || tokens_ == nullptr) {
      return {WithReason(absl::UnauthenticatedError("authorization must be 'Bearer <token>'"),
                         "AUTHORIZATION_MALFORMED"),
              std::nullopt};
    }
    return {absl::UnauthenticatedError("token not verified yet"), std::string(value)};
  }
  if (insecure_) return {Caller{Role::kDeveloper, "", "insecure-developer"}, std::nullopt};
  return {WithReason(absl::UnauthenticatedError("no credentials: present a client certificate or "
                                                "an 'authorization: Bearer' token"),
                     "NO_CREDENTIALS"),
          std::nullopt};
}

std::vector<absl::StatusOr<Caller>> Authenticator::AuthenticateAll(
    const std::vector<Credentials>& credentials) const {
  std::vector<absl::StatusOr<Caller>> callers;
  std::vector<std::string> tokens;
  std::vector<size_t> token_of;  // the call of each token
  for (const Credentials& presented_by : credentials) {
    Presented presented = Present(presented_by);
    callers.push_back(std::move(presented.caller));
    if (!presented.token) continue;
    tokens.push_back(*std::move(presented.token));
    token_of.push_back(callers.size() - 1);
  }
  if (tokens.empty()) return callers;
  std::vector<absl::StatusOr<Caller>> verified = tokens_->VerifyAll(tokens);
  for (size_t k = 0; k < tokens.size(); ++k) callers[token_of[k]] = std::move(verified[k]);
  return callers;
}

grpc::Status CallGate::ServeLocal(const LocalCall& local,
                                  absl::FunctionRef<grpc::Status(grpc::ServerContext*)> handler) {
  grpc::ServerContext context;
  {
    absl::MutexLock lock(&local_mu_);
    local_[&context] = &local;
    ++local_calls_;
  }
  const grpc::Status status = handler(&context);
  absl::MutexLock lock(&local_mu_);
  local_.erase(&context);
  --local_calls_;
  return status;
}

const LocalCall* CallGate::FindLocal(const grpc::ServerContextBase* context) const {
  if (local_calls_.load() == 0) return nullptr;
  absl::MutexLock lock(&local_mu_);
  auto it = local_.find(context);
  return it == local_.end() ? nullptr : it->second;
}

Credentials CallGate::CredentialsOf(const Call& call) {
  if (call.local_ != nullptr) {
    if (call.local_->authorization.empty()) return {};
    return {nullptr, call.local_->authorization};
  }
  Credentials credentials{call.context_->auth_context(), std::nullopt};
  const auto& metadata = call.context_->client_metadata();
  if (auto header = metadata.find("authorization"); header != metadata.end()) {
    credentials.authorization = std::string(header->second.data(), header->second.size());
  }
  return credentials;
}

std::vector<absl::StatusOr<Caller>> CallGate::Authenticate(const std::vector<Call>& calls) const {
  if (authenticator_ == nullptr) {
    return std::vector<absl::StatusOr<Caller>>(calls.size(), InProcessCaller());
  }
  std::vector<Credentials> credentials;
  credentials.reserve(calls.size());
  for (const Call& call : calls) credentials.push_back(CredentialsOf(call));
  return authenticator_->AuthenticateAll(credentials);
}

CallGate::Call CallGate::Prepare(grpc::ServerContextBase* context, absl::string_view method) {
  Call call;
  call.gate_ = this;
  call.context_ = context;
  call.method_ = std::string(method);
  const MethodPolicy* policy = FindMethodPolicy(method);
  call.personal_data_ = policy == nullptr || policy->personal_data;
  call.local_ = FindLocal(context);
  call.start_ = absl::Now();
  if (metrics_ != nullptr) call.in_flight_ = metrics_->Enter(Protocol(call));
  if (call.local_ != nullptr) {
    call.reason_ = call.local_->reason.substr(0, 500);
    call.trace_ = TraceContext::Continue(call.local_->traceparent);
    return call;
  }
  const auto& metadata = context->client_metadata();
  if (auto reason = metadata.find(kReasonMetadata); reason != metadata.end()) {
    call.reason_ = std::string(reason->second.data(), std::min<size_t>(reason->second.size(), 500));
  }
  auto traceparent = metadata.find(kTraceparentHeader);
  call.trace_ = TraceContext::Continue(
      traceparent == metadata.end()
          ? absl::string_view()
          : absl::string_view(traceparent->second.data(), traceparent->second.size()));
  return call;
}

absl::Status CallGate::Call::PaceMessage() {
  RateLimiter* limiter = gate_->limiter_;
  if (limiter == nullptr) return absl::OkStatus();
  const absl::Duration wait = limiter->Reserve(caller_.Name());
  const absl::Time until = absl::Now() + wait;
  while (absl::Now() < until) {
    if (context_->IsCancelled()) return absl::CancelledError("the call ended while it waited");
    absl::SleepFor(std::min(until - absl::Now(), absl::Milliseconds(50)));
  }
  return absl::OkStatus();
}

void CallGate::Call::Admit(absl::StatusOr<Caller> caller) {
  if (!caller.ok()) {
    caller_ = Caller{Role::kService, "", "unauthenticated"};
    status_ = caller.status();
    return;
  }
  caller_ = *std::move(caller);
  if (gate_->closing_) {
    status_ =
        WithReason(absl::UnavailableError("this server is shutting down; retry"), "SHUTTING_DOWN");
    return;
  }
  status_ = AuthorizeMethod(caller_, method_);
  RateLimiter* limiter = gate_->limiter_;
  if (status_.ok() && limiter != nullptr &&
      !limiter->Allow(caller_.Name())) {  // per caller: its tokens and certificates share it
    status_ = WithReason(
        absl::ResourceExhaustedError("too many calls from this caller; slow down and retry"),
        "RATE_LIMITED");
  }
}

CallGate::Call CallGate::Begin(grpc::ServerContextBase* context, absl::string_view method) {
  std::vector<Call> calls;
  calls.push_back(Prepare(context, method));
  Call& call = calls[0];
  // The handler's database work, the token read included, stops at the
  // call's deadline.
  call.deadline_ = std::make_unique<ScopedCallDeadline>(
      call.local_ != nullptr ? call.local_->deadline : absl::FromChrono(context->deadline()));
  // And the calls it makes carry its trace on.
  call.trace_scope_ = std::make_unique<ScopedTrace>(call.trace_);
  call.Admit(std::move(Authenticate(calls)[0]));
  CountRefusal(call);
  return std::move(call);
}

std::vector<CallGate::Call> CallGate::BeginAll(
    const std::vector<grpc::ServerContextBase*>& contexts, absl::string_view method) {
  std::vector<Call> calls;
  calls.reserve(contexts.size());
  for (grpc::ServerContextBase* context : contexts) {
    calls.push_back(Prepare(context, method));  // no deadline: the thread serves them all
  }
  std::vector<absl::StatusOr<Caller>> callers = Authenticate(calls);
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].Admit(std::move(callers[i]));
    CountRefusal(calls[i]);
  }
  return calls;
}

std::optional<AuditEntry> CallGate::Call::AuditRow(const absl::Status& outcome) const {
  if (!personal_data_ || gate_->audit_ == nullptr) return std::nullopt;
  return AuditEntry{.time = gate_->clock_.Now(),
                    .subject = caller_.subject,
                    .role = std::string(RoleName(caller_.role)),
                    .scope = caller_.scope,
                    .method = method_,
                    .resource = resource_,
                    .outcome = CodeName(outcome.code()),
                    .reason = reason_,
                    .peer = local_ != nullptr ? local_->peer : context_->peer()};
}

grpc::Status CallGate::Call::Finish(const absl::Status& outcome) {
  deadline_.reset();  // the audit row is written whatever the deadline
  trace_scope_.reset();
  grpc::Status answer = ToGrpcStatus(outcome);
  if (std::optional<AuditEntry> entry = AuditRow(outcome); entry && !audited_) {
    if (absl::Status logged = gate_->audit_->Append(*entry); !logged.ok()) {
      answer = AuditUnavailable();
      if (gate_->metrics_ != nullptr) gate_->metrics_->AuditWriteFailed();
    }
  }
  Observe(answer.error_code());
  return answer;
}

void CallGate::Call::Observe(grpc::StatusCode code) {
  if (gate_ == nullptr || observed_) return;
  observed_ = true;
  const absl::Duration elapsed = absl::Now() - start_;
  const absl::string_view protocol = gate_->Protocol(*this);
  if (gate_->metrics_ != nullptr) {
    gate_->metrics_->Observe(method_, protocol, code, elapsed);
    in_flight_.reset();
  }
  // Who called what, and how it ended: never the request's values (the
  // resource and reason may name a resident; they are in the audit log).
  // A background poll's own calls that succeed are logged only at debug.
  const bool quiet = protocol == "in_process" && !trace_.sampled && code == grpc::StatusCode::OK;
  logs::Line(quiet ? logs::Level::kDebug : logs::Level::kInfo, "call")
      .Str("method", method_)
      .Str("protocol", protocol)
      .Str("role", RoleName(caller_.role))
      .Str("scope", caller_.scope)
      .Str("code", CodeName(static_cast<absl::StatusCode>(code)))
      .Num("ms", absl::ToDoubleMilliseconds(elapsed))
      .Str("request_id", request_id_)
      .Str("trace_id", trace_.trace_id)
      .Str("span_id", trace_.span_id);
}

void CallGate::CountRefusal(const Call& call) {
  if (metrics_ == nullptr || call.status_.ok()) return;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(call.status_);
  metrics_->Refused(info ? info->reason() : CodeName(call.status_.code()));
}

absl::string_view CallGate::Protocol(const Call& call) const {
  if (authenticator_ == nullptr) return "in_process";
  return call.local_ != nullptr ? "http" : "grpc";
}

std::vector<grpc::Status> CallGate::FinishAll(std::vector<Call>& calls,
                                              const std::vector<absl::Status>& outcomes) {
  std::vector<AuditEntry> rows;
  std::vector<size_t> row_of;  // the call of each row
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].deadline_.reset();  // the audit rows are written whatever the deadline
    if (calls[i].audited_) continue;
    if (std::optional<AuditEntry> row = calls[i].AuditRow(outcomes[i])) {
      rows.push_back(*std::move(row));
      row_of.push_back(i);
    }
  }
  std::vector<bool> unlogged(calls.size(), false);
  if (!rows.empty()) {
    const std::vector<absl::Status> logged = audit_->AppendAll(rows);
    for (size_t k = 0; k < rows.size(); ++k) {
      if (logged[k].ok()) {
        calls[row_of[k]].MarkAudited();
      } else {
        unlogged[row_of[k]] = true;
      }
    }
  }
  std::vector<grpc::Status> answers;
  answers.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    if (unlogged[i]) {
      if (metrics_ != nullptr) metrics_->AuditWriteFailed();
      answers.push_back(AuditUnavailable());
      calls[i].Observe(answers.back().error_code());
    } else {
      answers.push_back(calls[i].Finish(outcomes[i]));
    }
  }
  return answers;
}

}  // namespace screening
