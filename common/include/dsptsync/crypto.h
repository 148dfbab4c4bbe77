// The cryptography dsptsync uses, all from libsodium (docs/threat-model.md says what protects what).
//
// - At rest: answers, comments and every other field value are sealed with XChaCha20-Poly1305
//   (random 192-bit nonces, so no nonce bookkeeping), the associated data binding each sealed
//   value to the row it belongs to, so a value cannot be moved to another item unnoticed.
// - Keys at rest come from a key file of 32 random bytes or from a passphrase through Argon2id.
// - Devices sign with Ed25519.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dsptsync::crypto {

// Call once before anything else here; safe to call again. Fails only when libsodium cannot start.
Status initialise();

inline constexpr std::size_t kSecretKeyBytes = 32;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSigningSecretBytes = 64;
inline constexpr std::size_t kSignatureBytes = 64;

// A symmetric key; the memory is wiped on destruction.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);

  static SecretKey random();
  // Result<> because a wrong length is an input error (a truncated key file).
  static Result<SecretKey> from_bytes(ByteView bytes);
  const std::array<std::uint8_t, kSecretKeyBytes>& bytes() const { return bytes_; }

 private:
  std::array<std::uint8_t, kSecretKeyBytes> bytes_{};
};

using Salt = std::array<std::uint8_t, kSaltBytes>;
Salt random_salt();

// Argon2id (libsodium's MODERATE limits: about 256 MiB and a fraction of a second) turns an
// operator's passphrase into a key. An empty passphrase is refused.
Result<SecretKey> derive_key_from_passphrase(std::string_view passphrase, const Salt& salt);

// How much work Argon2id does. `moderate` (the default above: 3 passes over 256 MiB) is the only cost
// for keys that protect data. `minimum_for_tests` is libsodium's smallest valid cost (1 pass, 8 KiB),
// so tests run the real Argon2id in microseconds; a key derived with it is a different key and guessing
// its passphrase is cheap, so nothing outside tests may use it.
enum class KdfCost { moderate, minimum_for_tests };
Result<SecretKey> derive_key_from_passphrase(std::string_view passphrase, const Salt& salt, KdfCost cost);

// What seal() adds to the plaintext: a 24-byte nonce and a 16-byte tag. A sealed record's size
// therefore tells its plaintext size without opening it.
inline constexpr std::size_t kSealOverheadBytes = 24 + 16;

// nonce || ciphertext || tag. `associated` is authenticated but not encrypted.
Bytes seal(const SecretKey& key, ByteView plaintext, std::string_view associated);
// Fails (corrupt) when the key is wrong or anything was altered, including the associated data.
Result<Bytes> open(const SecretKey& key, ByteView sealed, std::string_view associated);

struct SigningKeyPair {
  std::array<std::uint8_t, kPublicKeyBytes> public_key{};
  std::array<std::uint8_t, kSigningSecretBytes> secret_key{};
  static SigningKeyPair generate();
};
std::array<std::uint8_t, kSignatureBytes> sign(const SigningKeyPair& keys, ByteView message);
bool verify(ByteView public_key, ByteView message, ByteView signature);

// Passwords of the web app's people (`dsptsync-server user passwd`): Argon2id in libsodium's
// self-describing string form ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so the cost can be raised
// later and old hashes still verify. INTERACTIVE limits (64 MiB, 2 passes): a sign-in must answer in
// well under a second on a small office box, and sign-in attempts are rate limited.
Result<std::string> hash_password(std::string_view password);
// Whether the password matches a hash made by hash_password (constant time in the password).
bool verify_password(std::string_view hash, std::string_view password);
// Spends the same time as verify_password against a real hash, for a name that has none, so the
// time of an answer does not tell which names exist.
void verify_password_decoy(std::string_view password);

// Lower-case hex, and its inverse (refuses odd lengths and non-hex characters).
std::string to_hex(ByteView bytes);
Result<Bytes> from_hex(std::string_view hex);
// Random bytes as lower-case hex: used for device ids and enrolment secrets.
std::string random_hex(std::size_t byte_count);
// BLAKE2b-256 of the input, as hex: content hashes (publications, state hashes).
std::string hash_hex(ByteView bytes);

}  // namespace dsptsync::crypto
