#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>
#include <memory>
#include <stdexcept>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace screening {
namespace {

constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

bool IsKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 16) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Per-thread cipher contexts with a key already set up, so sealing a value
// costs only its IV and data (key setup and algorithm lookup were most of
// the time of a short value).
EVP_CIPHER_CTX* KeyedContext(const std::string& key, bool encrypt) {
  struct Cached {
    std::string key;
    CipherCtx ctx;
  };
  thread_local Cached cached[2];
  Cached& c = cached[encrypt ? 1 : 0];
  if (!c.ctx || c.key != key) {
    c.ctx.reset(EVP_CIPHER_CTX_new());
    c.key = key;
    const bool ok =
        c.ctx &&
        (encrypt ? EVP_EncryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key), nullptr)
                 : EVP_DecryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key),
                                      nullptr)) == 1 &&
        EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1;
    if (!ok) throw std::runtime_error("AES-256-GCM set-up failed");
  }
  return c.ctx.get();
}

// Nonces from a per-thread buffer of CSPRNG output: one RAND_bytes call per
// 1,024 nonces instead of one per value.
std::string NextNonce() {
  thread_local std::string buffer;
  thread_local size_t used = 0;
  if (used + kNonceBytes > buffer.size()) {
    buffer = RandomBytes(kNonceBytes * 1024);
    used = 0;
  }
  std::string nonce = buffer.substr(used, kNonceBytes);
  used += kNonceBytes;
  return nonce;
}

}  // namespace

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return out;
}

std::string HexEncode(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

absl::StatusOr<std::string> HexDecode(absl::string_view hex) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex must have an even length");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = value(hex[i]), lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("not hex");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

bool SecretEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<DataKeys> DataKeys::Parse(absl::string_view spec) {
  DataKeys keys;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || !IsKeyId(parts[0])) {
      return absl::InvalidArgumentError("data keys: each entry is id:hex64, id of [A-Za-z0-9_-]");
    }
    auto key = HexDecode(parts[1]);
    if (!key.ok() || key->size() != kKeyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("data key ", parts[0], " must be 32 bytes (64 hex digits)"));
    }
    if (keys.active_.empty()) keys.active_ = std::string(parts[0]);
    keys.keys_[std::string(parts[0])] = *key;
  }
  if (keys.active_.empty()) return absl::InvalidArgumentError("data keys: none given");
  return keys;
}

std::string DataKeys::Seal(absl::string_view plaintext) const {
  const std::string& key = keys_.at(active_);
  const std::string header =
      absl::StrCat(std::string(1, static_cast<char>(active_.size())), active_);
  const std::string nonce = NextNonce();
  std::string ciphertext(plaintext.size(), '\0');
  std::string tag(kTagBytes, '\0');
  EVP_CIPHER_CTX* ctx = KeyedContext(key, /*encrypt=*/true);
  int len = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, Bytes(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(header), static_cast<int>(header.size())) == 1 &&
      EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(ciphertext.data()), &len,
                        Bytes(plaintext), static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, nullptr, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return absl::StrCat(header, nonce, ciphertext, tag);
}

bool DataKeys::SealedUnderActiveKey(absl::string_view sealed) const {
  return !sealed.empty() && static_cast<unsigned char>(sealed[0]) == active_.size() &&
         sealed.substr(1, active_.size()) == active_;
}

absl::StatusOr<std::vector<std::string>> ParseLookupKeys(absl::string_view spec) {
  std::vector<std::string> keys;
  for (absl::string_view hex : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    auto key = HexDecode(absl::StripAsciiWhitespace(hex));
    if (!key.ok() || key->size() < 32) {
      return absl::InvalidArgumentError("lookup keys: each must be at least 32 bytes in hex");
    }
    keys.push_back(*std::move(key));
  }
  if (keys.empty()) return absl::InvalidArgumentError("lookup keys: none given");
  return keys;
}

absl::StatusOr<std::string> DataKeys::Open(absl::string_view sealed) const {
  if (sealed.empty()) return absl::DataLossError("sealed value is empty");
  const size_t id_length = static_cast<unsigned char>(sealed[0]);
  if (sealed.size() < 1 + id_length + kNonceBytes + kTagBytes) {
    return absl::DataLossError("sealed value is truncated");
  }
  const absl::string_view header = sealed.substr(0, 1 + id_length);
  const std::string key_id(sealed.substr(1, id_length));
  auto key = keys_.find(key_id);
  if (key == keys_.end()) {
    return absl::FailedPreconditionError(absl::StrCat("data key ", key_id, " is not configured"));
  }
  const absl::string_view nonce = sealed.substr(1 + id_length, kNonceBytes);
  const absl::string_view body = sealed.substr(1 + id_length + kNonceBytes);
  const absl::string_view ciphertext = body.substr(0, body.size() - kTagBytes);
  std::string tag(body.substr(body.size() - kTagBytes));
  std::string plaintext(ciphertext.size(), '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(key->second), Bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(header), static_cast<int>(header.size())) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &len,
                        Bytes(ciphertext), static_cast<int>(ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) == 1;
  if (!ok) return absl::DataLossError("sealed value failed authentication");
  return plaintext;
}

std::string LookupHash(absl::string_view key, absl::string_view data) {
  // A per-thread HMAC context keyed once: re-initialising with a null key
  // reuses it, which spares the algorithm lookup and key set-up per call.
  struct MacDeleter {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
  };
  struct Cached {
    std::string key;
    std::unique_ptr<EVP_MAC_CTX, MacDeleter> ctx;
  };
  thread_local Cached cached;
  if (!cached.ctx || cached.key != key) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    cached.ctx.reset(mac ? EVP_MAC_CTX_new(mac) : nullptr);
    EVP_MAC_free(mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!cached.ctx || EVP_MAC_init(cached.ctx.get(), Bytes(key), key.size(), params) != 1) {
      throw std::runtime_error("HMAC-SHA256 set-up failed");
    }
    cached.key = std::string(key);
  } else if (EVP_MAC_init(cached.ctx.get(), nullptr, 0, nullptr) != 1) {
    throw std::runtime_error("HMAC-SHA256 re-initialisation failed");
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_MAC_update(cached.ctx.get(), Bytes(data), data.size()) != 1 ||
      EVP_MAC_final(cached.ctx.get(), out, &out_len, sizeof(out)) != 1) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

std::string Sha256(absl::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(data), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

}  // namespace screening
