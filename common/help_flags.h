// `--help` lists a binary's own flags. Abseil's default shows only flags
// defined in a file named after the program (or main.cc), so `screeningd
// --help` printed "No flags matched"; every binary of ours defines its flags
// in one file and names it here.
//
//   int main(int argc, char** argv) {
//     ShowFlagsOfFileInHelp(__FILE__);
//     absl::SetProgramUsageMessage("...");
//     absl::ParseCommandLine(argc, argv);
#pragma once

#include "absl/strings/string_view.h"

namespace screening {

// --help and --helpshort list the flags defined in `file` (as __FILE__ names it).
void ShowFlagsOfFileInHelp(absl::string_view file);

}  // namespace screening
