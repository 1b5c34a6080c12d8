// Personal data at rest: AES-256-GCM with a key ring (the first key encrypts,
// every key decrypts, so keys rotate without rewriting old rows), and
// HMAC-SHA256 for lookups by ID number without storing it. OpenSSL does the work.
//
//   auto keys = DataKeys::Parse("k2:<64 hex>,k1:<64 hex>");
//   std::string sealed = keys->Seal("23010219700101001X");   // "k2" + nonce + ciphertext + tag
//   keys->Open(sealed);                                       // the plaintext back
//   LookupHash(lookup_key, "23010219700101001X");             // 32 bytes, stable
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace screening {

class DataKeys {
 public:
  // "id:hex64[,id:hex64...]": ids of 1-16 characters [A-Za-z0-9_-], keys of
  // 32 bytes in hex. The first key encrypts. INVALID_ARGUMENT otherwise.
  static absl::StatusOr<DataKeys> Parse(absl::string_view spec);

  // Encrypts with the active key: key id length (1 byte), key id, 12-byte
  // random nonce, ciphertext, 16-byte tag. The key id is authenticated too.
  std::string Seal(absl::string_view plaintext) const;

  // Decrypts with the key the blob names. DATA_LOSS when it was tampered
  // with; FAILED_PRECONDITION when its key is not configured.
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

  const std::string& active_key_id() const { return active_; }
  // True when `sealed` names the active key (nothing to re-seal).
  bool SealedUnderActiveKey(absl::string_view sealed) const;

 private:
  std::string active_;
  std::map<std::string, std::string> keys_;  // id → 32 raw bytes
};

// The HMAC keys of lookup hashes, "hex[,hex...]" (each 32+ bytes): the first
// hashes what is stored, every one finds (rows hashed under an earlier key
// until `screeningd reseal` re-hashes them). INVALID_ARGUMENT otherwise.
absl::StatusOr<std::vector<std::string>> ParseLookupKeys(absl::string_view spec);

// HMAC-SHA256 of `data` under `key` (raw bytes).
std::string LookupHash(absl::string_view key, absl::string_view data);

// SHA-256 of `data` (raw bytes).
std::string Sha256(absl::string_view data);

// `n` random bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t n);

// Hex encoding and decoding (decoding: nullopt-like error on bad input).
std::string HexEncode(absl::string_view bytes);
absl::StatusOr<std::string> HexDecode(absl::string_view hex);

// Constant-time equality, for secrets.
bool SecretEquals(absl::string_view a, absl::string_view b);

}  // namespace screening
