// libsodium 1.0.18 behind crypto.h (docs/encoding.md, "Cryptography", says why each primitive).
#include "dsptsync/crypto.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace dsptsync::crypto {
namespace {

static_assert(kSecretKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSaltBytes == crypto_pwhash_SALTBYTES);
static_assert(kPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSigningSecretBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);

constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;       // 16
static_assert(kNonceBytes + kTagBytes == kSealOverheadBytes);
constexpr std::size_t kHashBytes = 32;  // hash_hex is BLAKE2b-256
static_assert(kHashBytes == crypto_generichash_BYTES);

// Every entry point calls this, so a caller that forgot initialise() still gets libsodium's chosen
// implementations and a seeded generator. If libsodium cannot start, nothing here can be trusted to
// produce keys or nonces: stop rather than return weak output from functions that cannot fail.
void ensure_ready() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    std::fputs("dsptsync: libsodium could not be initialised; refusing to run cryptography\n", stderr);
    std::abort();
  }
}

const unsigned char* data_of(ByteView bytes) { return bytes.empty() ? nullptr : bytes.data(); }
const unsigned char* data_of(std::string_view text) {
  return text.empty() ? nullptr : reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

Status initialise() {
  if (sodium_init() < 0)
    return make_error(ErrorKind::internal, "libsodium could not be initialised (no usable random source?)");
  ensure_ready();
  return {};
}

SecretKey::SecretKey() = default;

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey::SecretKey(const SecretKey& other) : bytes_(other.bytes_) {}

SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

SecretKey SecretKey::random() {
  ensure_ready();
  SecretKey key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.bytes_.data());
  return key;
}

Result<SecretKey> SecretKey::from_bytes(ByteView bytes) {
  if (bytes.size() != kSecretKeyBytes)
    return invalid_input("a key is " + std::to_string(kSecretKeyBytes) + " bytes; this one is " +
                         std::to_string(bytes.size()) + " (is the key file truncated?)");
  SecretKey key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  return key;
}

Salt random_salt() {
  ensure_ready();
  Salt salt{};
  randombytes_buf(salt.data(), salt.size());
  return salt;
}

Result<SecretKey> derive_key_from_passphrase(std::string_view passphrase, const Salt& salt) {
  return derive_key_from_passphrase(passphrase, salt, KdfCost::moderate);
}

Result<SecretKey> derive_key_from_passphrase(std::string_view passphrase, const Salt& salt, KdfCost cost) {
  ensure_ready();
  if (passphrase.empty()) return invalid_input("the passphrase is empty; a key cannot come from nothing");
  // MODERATE: 3 passes over 256 MiB, about 0.5 to 1 s on one core here. An attacker with the store pays
  // the same per guess; operators pay it once when they open the store.
  const bool moderate = cost == KdfCost::moderate;
  const unsigned long long ops = moderate ? crypto_pwhash_OPSLIMIT_MODERATE : crypto_pwhash_OPSLIMIT_MIN;
  const std::size_t memory = moderate ? crypto_pwhash_MEMLIMIT_MODERATE : crypto_pwhash_MEMLIMIT_MIN;

  std::array<std::uint8_t, kSecretKeyBytes> derived{};
  const int rc = crypto_pwhash(derived.data(), derived.size(), passphrase.data(), passphrase.size(), salt.data(),
                               ops, memory, crypto_pwhash_ALG_ARGON2ID13);
  if (rc != 0) {
    sodium_memzero(derived.data(), derived.size());
    // The only run-time failure is the memory Argon2id needs.
    return make_error(ErrorKind::internal, "could not derive the key: Argon2id needs " +
                                               std::to_string(memory / (1024 * 1024)) +
                                               " MiB of memory and could not get it");
  }
  auto key = SecretKey::from_bytes(derived);
  sodium_memzero(derived.data(), derived.size());
  return key;
}

Result<std::string> hash_password(std::string_view password) {
  ensure_ready();
  if (password.empty()) return invalid_input("the password is empty");
  char hashed[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hashed, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(ErrorKind::internal, "could not hash the password: Argon2id needs " +
                                               std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE / (1024 * 1024)) +
                                               " MiB of memory and could not get it");
  return std::string(hashed);
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_ready();
  const std::string terminated(hash);  // libsodium reads a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void verify_password_decoy(std::string_view password) {
  static const std::string decoy = [] {
    auto made = hash_password("a password no one has, hashed once per process");
    return made ? *made : std::string();
  }();
  (void)verify_password(decoy, password);
}

Bytes seal(const SecretKey& key, ByteView plaintext, std::string_view associated) {
  ensure_ready();
  Bytes sealed(kNonceBytes + plaintext.size() + kTagBytes);
  // 192-bit random nonces: the chance of reusing one under a key stays negligible for any number of
  // values a store will ever hold, so no counter has to be kept (or lost with a restored backup).
  randombytes_buf(sealed.data(), kNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data() + kNonceBytes, &written, data_of(plaintext),
                                             plaintext.size(), data_of(associated), associated.size(), nullptr,
                                             sealed.data(), key.bytes().data());
  sealed.resize(kNonceBytes + static_cast<std::size_t>(written));
  return sealed;
}

Result<Bytes> open(const SecretKey& key, ByteView sealed, std::string_view associated) {
  ensure_ready();
  if (sealed.size() < kNonceBytes + kTagBytes)
    return corrupt("the sealed value is " + std::to_string(sealed.size()) + " bytes; a sealed value is at least " +
                   std::to_string(kNonceBytes + kTagBytes) + " (nonce and tag)");
  Bytes plaintext(sealed.size() - kNonceBytes - kTagBytes);
  unsigned long long written = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      plaintext.data(), &written, nullptr, sealed.data() + kNonceBytes, sealed.size() - kNonceBytes,
      data_of(associated), associated.size(), sealed.data(), key.bytes().data());
  if (rc != 0)
    return corrupt("the sealed value failed authentication: the key is wrong, or the value or the row it "
                   "belongs to was altered");
  plaintext.resize(static_cast<std::size_t>(written));
  return plaintext;
}

SigningKeyPair SigningKeyPair::generate() {
  ensure_ready();
  SigningKeyPair keys;
  crypto_sign_keypair(keys.public_key.data(), keys.secret_key.data());
  return keys;
}

std::array<std::uint8_t, kSignatureBytes> sign(const SigningKeyPair& keys, ByteView message) {
  ensure_ready();
  std::array<std::uint8_t, kSignatureBytes> signature{};
  crypto_sign_detached(signature.data(), nullptr, data_of(message), message.size(), keys.secret_key.data());
  return signature;
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  ensure_ready();
  if (public_key.size() != kPublicKeyBytes || signature.size() != kSignatureBytes) return false;
  return crypto_sign_verify_detached(signature.data(), data_of(message), message.size(), public_key.data()) == 0;
}

std::string to_hex(ByteView bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(hex.data(), hex.size(), data_of(bytes), bytes.size());
  hex.pop_back();
  return hex;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0)
    return invalid_input("hex text has an odd number of characters (" + std::to_string(hex.size()) +
                         "); each byte is two");
  // Nothing to read: libsodium's output pointer may not be null, and an empty vector's data() may be.
  if (hex.empty()) return Bytes{};
  Bytes bytes(hex.size() / 2);
  std::size_t written = 0;
  // No characters to ignore and no end pointer: libsodium then fails on the first non-hex character
  // instead of stopping there quietly.
  if (sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &written, nullptr) != 0 ||
      written != bytes.size())
    return invalid_input("'" + std::string(hex.substr(0, 80)) + "' is not hex: use only 0-9 and a-f");
  return bytes;
}

std::string random_hex(std::size_t byte_count) {
  ensure_ready();
  Bytes bytes(byte_count);
  randombytes_buf(bytes.data(), bytes.size());
  return to_hex(bytes);
}

std::string hash_hex(ByteView bytes) {
  ensure_ready();
  std::array<std::uint8_t, kHashBytes> digest{};
  crypto_generichash(digest.data(), digest.size(), data_of(bytes), bytes.size(), nullptr, 0);
  return to_hex(digest);
}

}  // namespace dsptsync::crypto
