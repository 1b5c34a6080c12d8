// What of a resident each caller may see (docs/security.md "Callers and their
// rights"): clinics see their residents in full; hospitals and services see a
// masked ID number; the commission never receives an ID number, name or phone.
#pragma once

#include "common/caller.h"
#include "screening/v1/registry.pb.h"

namespace screening::registry {

// Removes or masks what `caller` may not see. Pure.
void RedactResident(const Caller& caller, v1::Resident& resident);

}  // namespace screening::registry
