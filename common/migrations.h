// Versioned SQL migrations. Each service owns a list (embedded into the
// binary from services/<name>/migrations/NNNN_*.sql at build time) and its
// own schema; public.schema_migrations records what ran, with a fingerprint
// of the text so an edited, already-applied migration is refused.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace screening {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Applies the service's missing migrations in version order, each in its own
// transaction, under an advisory lock so that replicas starting together do
// not race. FAILED_PRECONDITION if an applied migration's text changed.
absl::Status ApplyMigrations(const std::string& database_url, absl::string_view service,
                             const std::vector<Migration>& migrations);

}  // namespace screening
