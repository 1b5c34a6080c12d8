// The secrets of personal data at rest, and the keyed hashes made with them.
// Both rotate: the first data key seals and every configured one opens; the
// first lookup key hashes and every configured one finds. `screeningd reseal`
// brings every stored row under the first keys, so the others can go.
//
//   auto keys = PersonalDataKeys::Parse("k2:<hex64>,k1:<hex64>", "<new hex>,<old hex>");
//   keys->IdHashes("23010219700101001X");  // {under the new key, under the old}
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto.h"
#include "screening/v1/registry.pb.h"

namespace screening::registry {

struct PersonalDataKeys {
  DataKeys data;                                  // seals ID number, name and phone
  std::string lookup_key;                         // hashes what is stored (raw bytes)
  std::vector<std::string> previous_lookup_keys;  // still find rows not yet re-hashed

  // `data_keys` as DataKeys::Parse, `lookup_keys` as ParseLookupKeys.
  static absl::StatusOr<PersonalDataKeys> Parse(absl::string_view data_keys,
                                                absl::string_view lookup_keys);

  // The ID number's lookup hash under the current key.
  std::string IdHash(absl::string_view canonical_id_number) const;
  // Under every lookup key, the current one first: where a resident may be found.
  std::vector<std::string> IdHashes(absl::string_view canonical_id_number) const;
  // Same person? The keyed hash (current key) of what a duplicate
  // registration would repeat: name, birth date and phone.
  std::string PersonHash(const v1::Resident& resident) const;
};

}  // namespace screening::registry
