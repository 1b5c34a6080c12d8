#include "services/registry/personal_data_keys.h"

#include "absl/strings/str_cat.h"

namespace screening::registry {

absl::StatusOr<PersonalDataKeys> PersonalDataKeys::Parse(absl::string_view data_keys,
                                                         absl::string_view lookup_keys) {
  absl::StatusOr<DataKeys> data = DataKeys::Parse(data_keys);
  if (!data.ok()) return data.status();
  absl::StatusOr<std::vector<std::string>> lookup = ParseLookupKeys(lookup_keys);
  if (!lookup.ok()) return lookup.status();
  PersonalDataKeys keys{.data = *std::move(data), .lookup_key = lookup->front()};
  keys.previous_lookup_keys.assign(lookup->begin() + 1, lookup->end());
  return keys;
}

std::string PersonalDataKeys::IdHash(absl::string_view canonical_id_number) const {
  return LookupHash(lookup_key, canonical_id_number);
}

std::vector<std::string> PersonalDataKeys::IdHashes(absl::string_view canonical_id_number) const {
  std::vector<std::string> hashes = {IdHash(canonical_id_number)};
  for (const std::string& key : previous_lookup_keys) {
    hashes.push_back(LookupHash(key, canonical_id_number));
  }
  return hashes;
}

std::string PersonalDataKeys::PersonHash(const v1::Resident& r) const {
  return LookupHash(lookup_key,
                    absl::StrCat("person|", r.full_name(), "|", r.birth_date(), "|", r.phone()));
}

}  // namespace screening::registry
