#include "common/help_flags.h"

#include <string>

#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"

namespace screening {

void ShowFlagsOfFileInHelp(absl::string_view file) {
  absl::FlagsUsageConfig config;
  // Abseil passes the file a flag was defined in as __FILE__ gave it, less
  // any leading slashes (its default normalize_filename).
  auto own = [file = std::string(file)](absl::string_view defined_in) {
    return !defined_in.empty() && absl::EndsWith(file, defined_in);
  };
  config.contains_help_flags = own;
  config.contains_helpshort_flags = own;
  absl::SetFlagsUsageConfig(config);
}

}  // namespace screening
